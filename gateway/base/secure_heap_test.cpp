#define BOOST_TEST_MODULE secure_heap
// The secure heap and the types over it (SecureString, SecretBytes,
// SecureAllocator) and decode_hex_into: where key material lives between
// the configuration file and the SAs.
#include <boost/test/unit_test.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "base/hex.hpp"
#include "base/secret_bytes.hpp"
#include "base/secure_allocator.hpp"
#include "base/secure_heap.hpp"
#include "base/secure_string.hpp"

using namespace strait::base;

static_assert(std::is_copy_constructible_v<SecretBytes<32>>);
static_assert(std::is_copy_assignable_v<SecretBytes<32>>);

namespace {

// The VmFlags of the mapping of /proc/self/smaps that holds `address`
// ("" if none does).
std::string vm_flags_of(const void* address) {
  const auto a = reinterpret_cast<std::uintptr_t>(address);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    unsigned long start = 0, end = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &start, &end) == 2 && line.find(' ') != 0 &&
        line.find('-') < line.find(' ')) {
      inside = a >= start && a < end;
    } else if (inside && line.starts_with("VmFlags:")) {
      return line;
    }
  }
  return "";
}

bool locked(const void* address) {
  std::istringstream flags(vm_flags_of(address));
  for (std::string flag; flags >> flag;)
    if (flag == "lo") return true;
  return false;
}

bool dontdump(const void* address) {
  std::istringstream flags(vm_flags_of(address));
  for (std::string flag; flags >> flag;)
    if (flag == "dd") return true;
  return false;
}

// AddressSanitizer's mlock interceptor does nothing (by design: its shadow
// memory would have to be locked too), so sanitized builds cannot lock.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizerIgnoresMlock = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitizerIgnoresMlock = true;
#else
constexpr bool kSanitizerIgnoresMlock = false;
#endif
#else
constexpr bool kSanitizerIgnoresMlock = false;
#endif

// Whether mlock can succeed here: root (CAP_IPC_LOCK) or a limit that
// leaves room for a slab, and no sanitizer in the way.
bool can_lock() {
  rlimit limit{};
  return !kSanitizerIgnoresMlock && (geteuid() == 0 || (getrlimit(RLIMIT_MEMLOCK, &limit) == 0 &&
                                                        limit.rlim_cur >= 16 * kSlabBytes));
}

}  // namespace

BOOST_AUTO_TEST_CASE(blocks_are_zeroed_aligned_and_in_locked_undumped_memory) {
  for (std::size_t size : {1u, 15u, 16u, 17u, 100u, 2048u, 2049u, 100000u}) {
    auto* p = static_cast<std::uint8_t*>(secure_allocate(size));
    BOOST_REQUIRE(p != nullptr);
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(p) % kSecureAlignment == 0u, size);
    bool zero = true;
    for (std::size_t i = 0; i < size; ++i)
      zero = zero && p[i] == 0;
    BOOST_TEST(zero, size);
    BOOST_TEST(in_secure_heap(p, size), size);
    BOOST_TEST(dontdump(p), size);
    if (can_lock()) BOOST_TEST(locked(p), size);
    std::memset(p, 0xa5, size);
    secure_deallocate(p, size);
  }
  int on_stack = 0;
  BOOST_TEST(!in_secure_heap(&on_stack, sizeof on_stack));
  std::vector<int> ordinary(4);
  BOOST_TEST(!in_secure_heap(ordinary.data(), sizeof(int)));
}

BOOST_AUTO_TEST_CASE(a_freed_small_block_is_wiped_and_reused) {
  auto* p = static_cast<std::uint8_t*>(secure_allocate(64));
  std::memset(p, 0xc3, 64);
  secure_deallocate(p, 64);
  // The slab stays mapped: past the free list's link the block is zeros.
  bool wiped = true;
  for (std::size_t i = sizeof(void*); i < 64; ++i)
    wiped = wiped && reinterpret_cast<volatile std::uint8_t*>(p)[i] == 0;
  BOOST_TEST(wiped);
  auto* q = static_cast<std::uint8_t*>(secure_allocate(60));  // same class: the same block
  BOOST_TEST(q == p);
  bool zero = true;
  for (std::size_t i = 0; i < 60; ++i)
    zero = zero && q[i] == 0;
  BOOST_TEST(zero);
  secure_deallocate(q, 60);
}

BOOST_AUTO_TEST_CASE(many_small_blocks_share_a_few_slabs) {
  // A configuration of 20000 routes: their keys and key texts cost slabs,
  // not a guarded mapping each (vm.max_map_count would run out).
  const std::size_t before = secure_heap_stats().slabs;
  std::vector<SecretBytes<32>> keys(20000);
  std::vector<SecureString> texts(20000, SecureString(std::string(64, 'a')));
  const std::size_t slabs = secure_heap_stats().slabs - before;
  BOOST_TEST(slabs <= (20000u * (32 + 64)) / kSlabBytes + 2);
  BOOST_TEST(secure_heap_stats().small_blocks >= 40000u);
}

BOOST_AUTO_TEST_CASE(secure_string_keeps_even_short_text_in_the_heap) {
  // No small-string buffer: a salt's 8 hex digits are not inside the object.
  SecureString salt("a0a1a2a3");
  BOOST_TEST(salt.view() == "a0a1a2a3");
  BOOST_TEST(in_secure_heap(salt.data(), salt.size()));
  const SecureString copy = salt;
  BOOST_TEST(static_cast<const void*>(copy.data()) != static_cast<const void*>(salt.data()));
  BOOST_TEST(in_secure_heap(copy.data(), copy.size()));
  BOOST_TEST((copy == salt));
  BOOST_TEST((copy == "a0a1a2a3"));
  BOOST_TEST((copy == std::string("a0a1a2a3")));
  SecureString grown;
  for (int i = 0; i < 1000; ++i)
    grown += "0123456789abcdef";
  BOOST_TEST(grown.size() == 16000u);
  BOOST_TEST(in_secure_heap(grown.data(), grown.size()));
  BOOST_TEST(grown.starts_with("0123"));
  BOOST_TEST(grown.find("f0") == 15u);
  const SecureString joined = SecureString("ab") + "cd";
  BOOST_TEST(joined.view() == "abcd");
}

BOOST_AUTO_TEST_CASE(secret_bytes_copies_compares_and_wipes) {
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<std::uint8_t>(0x40 + i);
  SecretBytes<16> a(bytes);
  BOOST_TEST(in_secure_heap(a.data(), a.size()));
  BOOST_TEST(a.equals(bytes));
  SecretBytes<16> b = a;
  BOOST_TEST(b.data() != a.data());
  BOOST_TEST((b == a));
  b[0] ^= 1;
  BOOST_TEST(!(b == a));
  b = a;
  BOOST_TEST((b == a));
  SecretBytes<16> moved = std::move(b);  // a copy: both hold the bytes
  BOOST_TEST((moved == a));
  BOOST_TEST((b == a));  // NOLINT(bugprone-use-after-move): documented
  a.wipe();
  BOOST_TEST(a.is_zero());
  const std::span<const std::uint8_t, 16> view = moved;
  BOOST_TEST(view[15] == 0x4f);
}

BOOST_AUTO_TEST_CASE(secure_allocator_serves_containers) {
  std::vector<std::uint64_t, SecureAllocator<std::uint64_t>> v;
  for (std::uint64_t i = 0; i < 1000; ++i)
    v.push_back(i);
  BOOST_TEST(in_secure_heap(v.data(), v.size() * sizeof(std::uint64_t)));
  BOOST_TEST(v[999] == 999u);
}

BOOST_AUTO_TEST_CASE(decode_hex_into_decodes_in_place_exactly) {
  SecretBytes<4> out;
  BOOST_TEST(decode_hex_into("a0A1a2a3", out.span()));
  BOOST_TEST(out[1] == 0xa1);
  BOOST_TEST(decode_hex_into("a0 a1 a2 b3", out.span(), true));
  BOOST_TEST(out[3] == 0xb3);
  // Wrong length, odd digits, bad characters, spaces not allowed: false,
  // and what was decoded is wiped.
  for (const char* bad : {"a0a1a2", "a0a1a2a3a4", "a0a1a2a", "a0a1a2ag", "a0 a1a2a3", ""}) {
    out[0] = 0x77;
    BOOST_TEST(!decode_hex_into(bad, out.span()), bad);
    BOOST_TEST(out.is_zero(), bad);
  }
  BOOST_TEST(!decode_hex_into("a0 a1 a2 a", out.span(), true));
  BOOST_TEST(!decode_hex_into("a 0a1a2a3", out.span(), true));
}
