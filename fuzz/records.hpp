#pragma once
// The input format of the fuzz targets that send frames to a gateway
// (private_input, public_input, ske_initiator, ske_responder): a first
// byte that selects a variant, then records, each
//
//   op (1 byte)  length (2 bytes, big-endian)  payload (length bytes)
//
// where a last record shorter than its length takes what is left. What op
// means is each target's; fuzz/make_seeds.py writes seeds in this format.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace strait::fuzz {

using Bytes = std::vector<std::uint8_t>;

struct Record {
  std::uint8_t op = 0;
  std::span<const std::uint8_t> payload;
};

class RecordReader {
 public:
  explicit RecordReader(std::span<const std::uint8_t> data) : data_(data) {}
  bool next(Record& record) {
    if (data_.size() < 3) return false;
    record.op = data_[0];
    const std::size_t length = std::size_t{data_[1]} << 8 | data_[2];
    data_ = data_.subspan(3);
    const std::size_t n = length < data_.size() ? length : data_.size();
    record.payload = data_.first(n);
    data_ = data_.subspan(n);
    return true;
  }

 private:
  std::span<const std::uint8_t> data_;
};

// Big-endian reads of a record's payload, zero past its end.
inline std::uint64_t read_be(std::span<const std::uint8_t> bytes, std::size_t offset,
                             std::size_t width) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i)
    v = v << 8 | (offset + i < bytes.size() ? bytes[offset + i] : 0);
  return v;
}
inline std::span<const std::uint8_t> tail(std::span<const std::uint8_t> bytes, std::size_t offset) {
  return offset < bytes.size() ? bytes.subspan(offset) : std::span<const std::uint8_t>{};
}

}  // namespace strait::fuzz
