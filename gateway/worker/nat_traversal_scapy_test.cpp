#define BOOST_TEST_MODULE nat_traversal_scapy
// Interoperability of ESP in UDP (RFC 3948; docs/NAT-TRAVERSAL.md) with an
// independent implementation: Scapy's SecurityAssociation with
// nat_t_header (conformance/scapy_esp_udp.py, /usr/bin/python3) decrypts
// what a gateway with udp-encapsulation sends, and the gateway decrypts
// what Scapy encapsulates, over IPv4 and IPv6. Skipped (77) without Scapy.
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/hex.hpp"
#include "net/headers.hpp"
#include "testing/frame_builder.hpp"
#include "testing/gateway_harness.hpp"
#include "testing/sample_sites.hpp"
#include "testing/skip.hpp"
#include "worker/state_report.hpp"

using namespace strait;
using namespace strait::testing;
using net::Family;

namespace {

constexpr const char* kPython = "/usr/bin/python3";

struct Requirements {
  Requirements() {
    const std::string probe =
        std::string(kPython) + " -c 'import scapy.layers.ipsec, cryptography' >/dev/null 2>&1";
    if (std::system(probe.c_str()) != 0)
      skip(std::string(kPython) + " lacks python3-scapy or python3-cryptography");
  }
};
BOOST_TEST_GLOBAL_FIXTURE(Requirements);

std::string hex_of(const Bytes& bytes) {
  return base::encode_hex(std::span<const std::uint8_t>(bytes.data(), bytes.size()));
}

// Runs conformance/scapy_esp_udp.py with `arguments` on `lines`; its output lines.
std::vector<std::string> run_scapy(const std::string& arguments,
                                   const std::vector<std::string>& lines) {
  char name[] = "/tmp/strait-nat-scapy-XXXXXX";
  const int fd = mkstemp(name);
  BOOST_TEST_REQUIRE(fd >= 0);
  close(fd);
  const std::string input = name, errors = input + ".err";
  {
    std::ofstream file(input);
    for (const auto& line : lines)
      file << line << '\n';
  }
  const std::string command = std::string(kPython) + " " + STRAIT_SOURCE_DIR +
                              "/conformance/scapy_esp_udp.py " + arguments + " < " + input +
                              " 2> " + errors;
  FILE* pipe = popen(command.c_str(), "r");
  BOOST_TEST_REQUIRE(pipe != nullptr);
  std::string output;
  char chunk[4096];
  for (std::size_t n; (n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0;)
    output.append(chunk, n);
  const int status = pclose(pipe);
  std::ifstream error_file(errors);
  std::stringstream error_text;
  error_text << error_file.rdbuf();
  std::remove(input.c_str());
  std::remove(errors.c_str());
  BOOST_TEST_REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0),
                     "scapy_esp_udp.py failed: " << error_text.str());
  std::vector<std::string> result;
  std::istringstream stream(output);
  for (std::string line; std::getline(stream, line);)
    if (!line.empty()) result.push_back(line);
  BOOST_TEST_REQUIRE(result.size() == lines.size());
  return result;
}

std::string sa_arguments(const esp::SaParameters& sa) {
  return "--spi " + std::to_string(sa.spi) + " --key " + base::encode_hex(sa.key) + " --salt " +
         base::encode_hex(sa.salt);
}

SiteOptions udp_encapsulated() {
  SiteOptions o;  // data plane: static SAs
  o.udp_encapsulation = true;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_CASE(scapy_decrypts_the_gateways_esp_in_udp) {
  for (const Family family : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(family)) {
      const Site p = paris(family), t = tokyo(family);
      GatewayHarness g(site_config(p, t, udp_encapsulated()));
      std::vector<Bytes> sent;
      std::vector<std::string> lines;
      for (std::size_t i = 0; i < 3; ++i) {
        sent.push_back(host_datagram(p, t, 20 + 300 * i, static_cast<std::uint8_t>(i)));
        g.send_private(lan_frame(p, sent.back()));
        g.run();
        const std::vector<Bytes> out = g.take_public();
        BOOST_TEST_REQUIRE(out.size() == 1u);
        const Bytes ip(out[0].begin() + net::kEthernetHeaderSize, out[0].end());
        lines.push_back(std::to_string(i + 1) + " " + hex_of(ip));
      }
      const std::vector<std::string> got = run_scapy("decrypt " + sa_arguments(p.outbound), lines);
      for (std::size_t i = 0; i < got.size(); ++i) {
        std::istringstream fields(got[i]);
        std::string sport, dport, checksum, inner;
        fields >> sport >> dport >> checksum >> inner;
        BOOST_TEST(sport == "4500");
        BOOST_TEST(dport == "4500");
        BOOST_TEST(checksum == (family == Family::kIpv4 ? "zero" : "valid"));
        BOOST_TEST(inner == hex_of(with_ttl(sent[i], 63)));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(the_gateway_decrypts_scapys_esp_in_udp) {
  for (const Family family : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(family)) {
      const Site p = paris(family), t = tokyo(family);
      GatewayHarness g(site_config(p, t, udp_encapsulated()));
      std::vector<Bytes> inner;
      std::vector<std::string> lines;
      for (std::size_t i = 0; i < 3; ++i) {
        inner.push_back(host_datagram(t, p, 30 + 250 * i, static_cast<std::uint8_t>(7 + i)));
        lines.push_back(std::to_string(i + 1) + " " + hex_of(inner.back()));
      }
      const std::vector<std::string> outer =
          run_scapy("encrypt " + sa_arguments(t.outbound) + " --src " + t.public_ip.to_string() +
                        " --dst " + p.public_ip.to_string() + " --sport 4500 --dport 4500",
                    lines);
      for (std::size_t i = 0; i < outer.size(); ++i) {
        g.send_public(wan_frame(p, base::decode_hex(outer[i]).value()));
        g.run();
        const std::vector<Bytes> out = g.take_private();
        BOOST_TEST_REQUIRE(out.size() == 1u, outer[i] << "\n"
                                                      << worker::render_queue_state(g.worker()));
        BOOST_TEST(out[0] == to_lan_frame(p, with_ttl(inner[i], 63)));
      }
      BOOST_TEST(g.worker().nat_traversal_counters().udp_errors == 0u);
    }
  }
}
