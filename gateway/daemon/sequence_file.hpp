#pragma once
// Sequence numbers of static (data-plane) outbound SAs across restarts of
// strait run. The GCM nonce is salt || sequence number (PROTOCOL.md 1): a
// gateway that restarts with the same static key and salt must not number
// its packets from 1 again. The file (<state root>/NAME/static-sa-sequences,
// daemon/instance_directory.hpp: /var/lib/strait, which survives a reboot)
// holds one line per key and salt ever used,
//
//   <fingerprint: 64 hex digits> <M>
//
// meaning "every sequence number below M may have been used with it"
// (fingerprint: esp::key_fingerprint, no key on disk). Sequence numbers
// are reserved ahead in blocks: at start an SA begins at the M found there
// and the file is advanced to M + block before the SA sends; the SA stops
// at that limit (esp::OutboundSa::limit, drops counted) unless the next
// block is reserved first, which the control thread does when an SA comes
// within half a block of it (extend()). Every write goes to a temporary
// file, is fsynced, renamed over the file, and the directory fsynced: a
// crash leaves the old file or the new one, never a mix.
//
// A block bounds the jump a peer sees when the gateway restarts without
// having sent (its ESN inference, RFC 4303 appendix A2, follows forward
// jumps below 2^31), so it is far smaller than the sequence space.

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "esp/security_association.hpp"
#include "worker/worker.hpp"

namespace strait::daemon {

class SequenceFile final : public worker::StaticSequenceSource {
 public:
  static constexpr std::uint64_t kDefaultBlock = std::uint64_t{1} << 24;

  // Reads `path` (missing: nothing used yet). Fails if it cannot be read
  // or is not such a file (naming the file and line).
  static base::Result<std::unique_ptr<SequenceFile>> open(std::string path,
                                                          std::uint64_t block = kDefaultBlock);

  const std::string& path() const noexcept { return path_; }
  std::uint64_t block() const noexcept { return block_; }

  // StaticSequenceSource: M as read at open() (0 if none), and how far
  // this run has reserved (0 before reserve()).
  std::uint64_t floor(const esp::KeyFingerprint& fingerprint) const override;
  std::uint64_t limit(const esp::KeyFingerprint& fingerprint) const override;

  // Reserves a first block for each fingerprint this run has not
  // reserved yet (from its floor, or 1) and writes the file; nothing to
  // write: Ok. On error nothing is reserved (an SA installed then could
  // not send).
  base::Status reserve(std::span<const esp::KeyFingerprint> fingerprints);
  // Moves the limit of each (fingerprint, sequence) a block beyond the
  // larger of its limit and `sequence`, and writes the file. On error the
  // limits stay.
  base::Status extend(std::span<const std::pair<esp::KeyFingerprint, std::uint64_t>> needed);

 private:
  SequenceFile(std::string path, std::uint64_t block) : path_(std::move(path)), block_(block) {}
  // Writes `marks` safely (temporary file, fsync, rename, directory fsync).
  base::Status write(const std::map<esp::KeyFingerprint, std::uint64_t>& marks) const;

  std::string path_;
  std::uint64_t block_;
  std::map<esp::KeyFingerprint, std::uint64_t> floors_;  // as read at open()
  std::map<esp::KeyFingerprint, std::uint64_t> marks_;   // as on disk now
  std::map<esp::KeyFingerprint, std::uint64_t> limits_;  // reserved by this run
};

}  // namespace strait::daemon
