#include "config/file_access.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <string_view>

namespace strait::config {

bool holds_keys(const Statements& document) {
  for (const Statement& statement : document) {
    const std::string_view keyword = statement.keyword;
    if (statement.value && (keyword == "preshared-key" || keyword == "key" || keyword == "salt"))
      return true;
    if (holds_keys(statement.children)) return true;
  }
  return false;
}

base::Status check_key_file_access(const std::string& path, const FileAccess& access,
                                   std::uint32_t user) {
  constexpr std::uint32_t kOthersMayReadOrWrite = S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH;
  if ((access.mode & kOthersMayReadOrWrite) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", access.mode & 07777);
    std::string who;
    if ((access.mode & (S_IRGRP | S_IWGRP)) != 0) who = "its group";
    if ((access.mode & (S_IROTH | S_IWOTH)) != 0) who += who.empty() ? "others" : " and others";
    return base::Error{path + " holds keys (pre-shared keys or SA keys) but " + who +
                       " may read or write it (mode " + mode +
                       "): only its owner may; run `chmod 600 " + path + "`"};
  }
  if (access.owner != 0 && access.owner != user) {
    const std::string owner = user == 0 ? "root" : std::to_string(user);
    return base::Error{path + " holds keys (pre-shared keys or SA keys) but belongs to user " +
                       std::to_string(access.owner) + ", who is neither root nor the user strait " +
                       "runs as (" + std::to_string(user) +
                       "), and could change the keys; run `chown " + owner + " " + path +
                       "` (and `chmod 600 " + path + "`)"};
  }
  return base::Ok{};
}

}  // namespace strait::config
