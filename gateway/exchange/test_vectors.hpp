#pragma once
// Reads the key-exchange vectors of conformance/vectors/vita-ske-v5.json
// (test use only). The file is machine-written JSON with one "key": value
// pair per line, so a value is found as the first "key" after the start of
// its exchange (or of its nested SA object).

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "base/hex.hpp"

namespace strait::exchange::test {

struct VectorSa {
  std::uint32_t spi = 0;
  std::vector<std::uint8_t> key, salt;
};

struct ExchangeVector {
  std::string name;
  std::vector<std::uint8_t> psk;
  std::uint32_t route_spi = 0;
  std::vector<std::uint8_t> initiator_address, responder_address, responder_nonce;
  std::vector<std::uint8_t> initiator_ephemeral_sk, responder_ephemeral_sk;
  std::uint32_t initiator_spi = 0, responder_spi = 0;
  std::vector<std::uint8_t> prologue, knock, challenge, proposal, agreement;
  VectorSa initiator_inbound, initiator_outbound, responder_inbound, responder_outbound;
};

namespace detail {

inline std::string raw_value(const std::string& text, std::size_t from, std::string_view key) {
  const std::string needle = "\"" + std::string(key) + "\":";
  const std::size_t at = text.find(needle, from);
  if (at == std::string::npos) std::abort();
  std::size_t i = at + needle.size();
  while (text[i] == ' ')
    ++i;
  std::size_t end = i;
  if (text[i] == '"') {
    end = text.find('"', i + 1);
    return text.substr(i + 1, end - i - 1);
  }
  while (end < text.size() && text[end] != ',' && text[end] != '\n' && text[end] != '}')
    ++end;
  return text.substr(i, end - i);
}

inline std::vector<std::uint8_t> hex_value(const std::string& text, std::size_t from,
                                           std::string_view key) {
  auto bytes = base::decode_hex(raw_value(text, from, key));
  if (!bytes) std::abort();
  return *bytes;
}

inline std::uint32_t number_value(const std::string& text, std::size_t from, std::string_view key) {
  return static_cast<std::uint32_t>(std::stoul(raw_value(text, from, key)));
}

inline VectorSa sa_value(const std::string& text, std::size_t from, std::string_view key) {
  const std::size_t at = text.find("\"" + std::string(key) + "\":", from);
  if (at == std::string::npos) std::abort();
  return {number_value(text, at, "spi"), hex_value(text, at, "key"), hex_value(text, at, "salt")};
}

}  // namespace detail

inline std::vector<ExchangeVector> load_exchange_vectors(const std::string& path) {
  std::ifstream in(path);
  if (!in) std::abort();
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::vector<ExchangeVector> out;
  const std::size_t esp = text.find("\"esp\":");
  for (std::size_t at = text.find("\"name\":"); at != std::string::npos && at < esp;
       at = text.find("\"name\":", at + 1)) {
    using namespace detail;
    ExchangeVector v;
    v.name = raw_value(text, at, "name");
    v.psk = hex_value(text, at, "psk");
    v.route_spi = number_value(text, at, "route_spi");
    v.initiator_address = hex_value(text, at, "initiator_address");
    v.responder_address = hex_value(text, at, "responder_address");
    v.responder_nonce = hex_value(text, at, "responder_nonce");
    v.initiator_ephemeral_sk = hex_value(text, at, "initiator_ephemeral_sk");
    v.responder_ephemeral_sk = hex_value(text, at, "responder_ephemeral_sk");
    v.initiator_spi = number_value(text, at, "initiator_spi");
    v.responder_spi = number_value(text, at, "responder_spi");
    v.prologue = hex_value(text, at, "prologue");
    v.knock = hex_value(text, at, "knock_udp_payload");
    v.challenge = hex_value(text, at, "challenge_udp_payload");
    v.proposal = hex_value(text, at, "proposal_udp_payload");
    v.agreement = hex_value(text, at, "agreement_udp_payload");
    v.initiator_inbound = sa_value(text, at, "initiator_inbound_sa");
    v.initiator_outbound = sa_value(text, at, "initiator_outbound_sa");
    v.responder_inbound = sa_value(text, at, "responder_inbound_sa");
    v.responder_outbound = sa_value(text, at, "responder_outbound_sa");
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace strait::exchange::test
