#pragma once
// `strait keygen`: a new random pre-shared key, as `vita --keygen` prints one.

#include <string_view>

namespace strait::cli {

int keygen_command(int argc, char** argv);
// Its --help text.
std::string_view keygen_usage();

// Writes a new key to `fd`: 32 bytes from libsodium's randombytes_buf (the
// kernel's random source, getrandom(2)) as 64 lowercase hex digits and a
// newline, with write(2) straight from locked memory (base::Secret: no
// stdio buffer holds a copy), wiped afterwards. False if it could not be
// written whole (errno says why).
bool write_new_key(int fd);

}  // namespace strait::cli
