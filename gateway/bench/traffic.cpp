#include "bench/traffic.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>

#include "net/checksum.hpp"
#include "net/headers.hpp"

namespace strait::bench {

using namespace strait::net;

// The heads are little-endian words (traffic.hpp).
static_assert(std::endian::native == std::endian::little);

namespace {

constexpr std::size_t kIp = kEthernetHeaderSize;           // IP header offset
constexpr std::size_t kUdp = kIp + kIpv4HeaderSize;        // UDP header offset
constexpr std::size_t kSerial = kUdp + kUdpHeaderSize;     // serial number offset
constexpr std::size_t kMaxFrame = 8937;                    // scenario.cpp's bound
constexpr std::uint8_t kSentTtl = 64, kDeliveredTtl = 62;  // one decrement each way

// The payload after the serial number: byte i of the frame is i mod 256.
const std::uint8_t* pattern() noexcept {
  static const auto bytes = [] {
    std::array<std::uint8_t, kMaxFrame + 64> b{};
    for (std::size_t i = 0; i < b.size(); ++i)
      b[i] = static_cast<std::uint8_t>(i);
    return b;
  }();
  return bytes.data();
}

inline std::uint64_t load_le64(const std::uint8_t* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = v << 8 | p[i];
  return v;
}

// One's-complement sum of an IP header's 16-bit words in memory byte
// order (RFC 1071 2.B: the order does not change the checksum's bytes).
std::uint32_t header_sum(const std::uint8_t* ip) noexcept {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < kIpv4HeaderSize; i += 2) {
    std::uint16_t word;
    std::memcpy(&word, ip + i, 2);
    sum += word;
  }
  return sum;
}

// Route g's destination address as its four bytes read little-endian.
inline std::uint32_t destination_word(std::uint32_t route) noexcept {
  return static_cast<std::uint32_t>(static_cast<std::uint8_t>(20 + (route >> 16))) |
         (route >> 8 & 0xff) << 8 | (route & 0xff) << 16 | 1u << 24;
}

// Whether bytes kHeadBytes.. of a `size`-byte frame are the pattern's. Up
// to 64 bytes in 8-byte words inline (a call to memcmp would cost more
// than the comparison), longer by memcmp.
inline bool payload_intact(const std::uint8_t* frame, std::size_t size) noexcept {
  constexpr std::size_t kFrom = Traffic::kHeadBytes;
  if (size > kFrom + 64) return std::memcmp(frame + kFrom, pattern() + kFrom, size - kFrom) == 0;
  const auto word = [](const std::uint8_t* at) {
    std::uint64_t w;
    std::memcpy(&w, at, 8);
    return w;
  };
  if (size < kFrom + 8) {
    bool same = true;
    for (std::size_t i = kFrom; i < size; ++i)
      same &= frame[i] == pattern()[i];
    return same;
  }
  std::uint64_t differ = word(frame + size - 8) ^ word(pattern() + size - 8);
  for (std::size_t i = kFrom; i + 8 <= size; i += 8)
    differ |= word(frame + i) ^ word(pattern() + i);
  return differ == 0;
}

const char* field_name(std::size_t offset) noexcept {
  if (offset < 6) return "Ethernet destination";
  if (offset < 12) return "Ethernet source";
  if (offset < kIp) return "ethertype";
  if (offset < kIp + 2) return "IP version, header length or TOS";
  if (offset < kIp + 4) return "IP total length";
  if (offset < kIp + 6) return "IP identification";
  if (offset < kIp + 8) return "IP flags and fragment offset";
  if (offset < kIp + 9) return "IP TTL";
  if (offset < kIp + 10) return "IP protocol";
  if (offset < kIp + 12) return "IP checksum";
  if (offset < kIp + 16) return "IP source";
  if (offset < kUdp) return "IP destination";
  if (offset < kUdp + 2) return "UDP source port";
  if (offset < kUdp + 4) return "UDP destination port";
  if (offset < kUdp + 6) return "UDP length";
  if (offset < kSerial) return "UDP checksum";
  if (offset < Traffic::kHeadBytes) return "serial number";
  return "payload";
}

std::string dotted(const std::uint8_t* a) {
  char text[16];
  std::snprintf(text, sizeof text, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
  return text;
}

}  // namespace

Traffic::Traffic(io::FramePool& pool, BenchPort& host, const Addresses& addresses,
                 const TrafficPlan& plan, std::size_t in_flight)
    : pool_(pool), host_(host), plan_(plan), in_flight_(in_flight) {
  for (std::size_t s = 0; s < plan.size_count(); ++s) {
    const std::uint32_t size = plan.size(s);
    for (const bool delivered : {false, true}) {
      std::array<std::uint8_t, kHeadBytes> h{};
      std::memcpy(h.data(), delivered ? addresses.host_mac : addresses.gateway_mac, 6);
      std::memcpy(h.data() + 6, delivered ? addresses.gateway_mac : addresses.host_mac, 6);
      store16(h.data() + 12, kEthertypeIpv4);
      std::uint8_t* ip = h.data() + kIp;
      ip[0] = 0x45;
      store16(ip + 2, static_cast<std::uint16_t>(size - kIp));
      ip[8] = delivered ? kDeliveredTtl : kSentTtl;
      ip[9] = kProtocolUdp;
      std::memcpy(ip + 12, addresses.host_ip, 4);
      store16(h.data() + kUdp, 4000);
      store16(h.data() + kUdp + 2, 5000);
      store16(h.data() + kUdp + 4, static_cast<std::uint16_t>(size - kUdp));
      Head words{};
      for (std::uint64_t* w : {&words.w0, &words.w1, &words.w2, &words.w3, &words.w4, &words.w5})
        std::memcpy(w, h.data() + 8 * (w - &words.w0), 8);
      std::memcpy(&words.tail, h.data() + 48, 2);
      heads_[delivered].push_back(words);
      sums_[delivered].push_back(header_sum(ip));
    }
  }
}

[[gnu::always_inline]] inline Traffic::Head Traffic::head(const PlanCursor& c,
                                                          bool delivered) const noexcept {
  Head h = heads_[delivered][c.size_index];
  const std::uint32_t destination = destination_word(plan_.route(c.route_index));
  const std::uint32_t id = __builtin_bswap16(static_cast<std::uint16_t>(c.serial));
  std::uint32_t sum =
      sums_[delivered][c.size_index] + id + (destination & 0xffff) + (destination >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  h.w2 |= std::uint64_t{id} << 16;                      // bytes 18-19
  h.w3 |= (~sum & 0xffff) |                             // bytes 24-25, checksum
          std::uint64_t{destination & 0xffff} << 48;    // bytes 30-31
  h.w4 |= destination >> 16;                            // bytes 32-33
  h.w5 |= c.serial << 16;                               // bytes 42-47
  h.tail = static_cast<std::uint16_t>(c.serial >> 48);  // bytes 48-49
  return h;
}

[[gnu::always_inline]] inline void Traffic::store(std::uint8_t* out, const Head& h,
                                                  std::size_t length) noexcept {
  const auto put = [&h](std::uint8_t* to) {
    std::memcpy(to, &h.w0, 8);
    std::memcpy(to + 8, &h.w1, 8);
    std::memcpy(to + 16, &h.w2, 8);
    std::memcpy(to + 24, &h.w3, 8);
    std::memcpy(to + 32, &h.w4, 8);
    std::memcpy(to + 40, &h.w5, 8);
    std::memcpy(to + 48, &h.tail, 2);
  };
  if (length >= kHeadBytes) [[likely]] {
    put(out);
    return;
  }
  std::uint8_t bytes[kHeadBytes];
  put(bytes);
  std::memcpy(out, bytes, length);
}

void Traffic::write_new(io::Packet* p) noexcept {
  const std::uint32_t size = plan_.size(tx_.size_index);
  store(p->data, head(tx_, false), std::min<std::size_t>(size, kHeadBytes));
  if (size > kHeadBytes)
    std::memcpy(p->data + kHeadBytes, pattern() + kHeadBytes, size - kHeadBytes);
  p->length = size;
}

bool Traffic::start(std::uint64_t packets) noexcept {
  round_end_ = tx_.serial + packets;
  io::Packet* batch[64];
  std::size_t primed = 0;
  while (tx_.serial < round_end_ && primed < in_flight_) {
    const std::size_t want =
        std::min<std::uint64_t>({64, round_end_ - tx_.serial, in_flight_ - primed});
    const std::size_t n = pool_.allocate_batch(batch, want);
    for (std::size_t i = 0; i < n; ++i) {
      write_new(batch[i]);
      tx_.advance(plan_);
    }
    host_.transmit({batch, n});
    primed += n;
    if (n < want) return false;  // pool exhausted
  }
  return true;
}

bool Traffic::check(const io::Packet* p) noexcept {
  const std::uint32_t size = plan_.size(rx_.size_index);
  const Head expected = head(rx_, true);
  if (p->length == size && size >= kHeadBytes) [[likely]] {
    const auto word = [p](std::size_t i) {
      std::uint64_t w;
      std::memcpy(&w, p->data + 8 * i, 8);
      return w;
    };
    std::uint16_t tail;
    std::memcpy(&tail, p->data + 48, 2);
    const std::uint64_t differ = (word(0) ^ expected.w0) | (word(1) ^ expected.w1) |
                                 (word(2) ^ expected.w2) | (word(3) ^ expected.w3) |
                                 (word(4) ^ expected.w4) | (word(5) ^ expected.w5) |
                                 (tail ^ expected.tail);
    if (differ == 0 && payload_intact(p->data, size)) [[likely]]
      return true;
  } else if (p->length == size) {
    std::uint8_t bytes[kHeadBytes];
    store(bytes, expected, kHeadBytes);
    if (std::memcmp(p->data, bytes, size) == 0) return true;
  }
  describe(p, expected);
  return false;
}

void Traffic::describe(const io::Packet* p, const Head& head) noexcept {
  std::uint8_t expected[kHeadBytes];
  store(expected, head, kHeadBytes);
  const std::uint32_t size = plan_.size(rx_.size_index);
  const std::uint32_t route = plan_.route(rx_.route_index);
  const std::string which = "packet " + std::to_string(rx_.serial) + " (route r" +
                            std::to_string(route) + ", " + std::to_string(size) + "-byte frame)";
  // Another packet than the one due: the one due was lost (or this one
  // is late). Its serial number (or IP identification) tells.
  if (p->length >= kHeadBytes) {
    const std::uint64_t got = load_le64(p->data + kSerial);
    if (got > rx_.serial) {
      failure_ = which + " never came out of the gateway: packet " + std::to_string(got) +
                 " came out in its place (" + std::to_string(got - rx_.serial) + " lost)";
      return;
    }
    if (got < rx_.serial) {
      failure_ = which + " was due but packet " + std::to_string(got) +
                 " came out (again, or out of order)";
      return;
    }
  } else if (p->length >= kIp + 6 && load16(p->data + kIp + 4) != load16(expected + kIp + 4)) {
    failure_ = which + " never came out of the gateway: another packet came out in its place";
    return;
  }
  const std::size_t common = std::min<std::size_t>(p->length, size);
  std::size_t at = 0;
  const auto byte_of = [&](std::size_t i) { return i < kHeadBytes ? expected[i] : pattern()[i]; };
  while (at < common && p->data[at] == byte_of(at))
    ++at;
  // A changed checksum follows from a change further on in the header:
  // name that one.
  if (at >= kIp + 10 && at < kIp + 12)
    for (std::size_t later = kIp + 12; later < std::min<std::size_t>(common, kUdp); ++later)
      if (p->data[later] != byte_of(later)) {
        at = later;
        break;
      }
  if (at == common) {
    failure_ = which + " came out " + std::to_string(p->length) + " bytes long, sent " +
               std::to_string(size);
    return;
  }
  char bytes[128];
  std::snprintf(bytes, sizeof bytes, "byte %zu (%s) is 0x%02x, sent 0x%02x", at, field_name(at),
                p->data[at], byte_of(at));
  failure_ = which + " came out altered: " + bytes;
  if (at >= kIp + 16 && at < kUdp && p->length >= kUdp)
    failure_ += ": delivered to " + dotted(p->data + kIp + 16) + ", sent to " +
                dotted(expected + kIp + 16) + " (misrouted)";
}

std::size_t Traffic::step() noexcept {
  io::Packet* batch[64];
  const std::size_t got = host_.receive(batch);
  std::size_t again = 0;
  for (std::size_t i = 0; i < got; ++i) {
    io::Packet* p = batch[i];
    if (failed() || !check(p)) [[unlikely]] {
      host_.release(p);
      continue;
    }
    bytes_ += p->length;
    rx_.advance(plan_);
    if (tx_.serial == round_end_) {
      host_.release(p);
      continue;
    }
    // Sent again as packet tx_: the same size (the packets in flight are
    // a whole number of size cycles), so only the head changes.
    if (p->length == plan_.size(tx_.size_index)) [[likely]] {
      store(p->data, head(tx_, false), p->length);
    } else {
      write_new(p);
    }
    tx_.advance(plan_);
    batch[again++] = p;
  }
  if (again != 0) host_.transmit({batch, again});
  return got;
}

}  // namespace strait::bench
