#include "cli/man_page.hpp"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <optional>

namespace strait::cli {

namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::size_t indent_of(std::string_view line) {
  const std::size_t first = line.find_first_not_of(' ');
  return first == std::string_view::npos ? line.size() : first;
}

// Escapes without touching the start of the line (a continuation).
std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (char c : text) {
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
  }
  return out;
}

// "word  rest": the word and where the rest starts, when a word is followed
// by at least two spaces and more text.
struct Split {
  std::string_view head;
  std::string_view rest;
};
std::optional<Split> word_then_gap(std::string_view text) {
  const std::size_t space = text.find(' ');
  if (space == std::string_view::npos || space == 0) return std::nullopt;
  const std::size_t next = text.find_first_not_of(' ', space);
  if (next == std::string_view::npos || next - space < 2) return std::nullopt;
  return Split{text.substr(0, space), text.substr(next)};
}

// An option line: the tag up to the first two spaces (or all of it).
Split option_tag(std::string_view text) {
  const std::size_t gap = text.find("  ");
  if (gap == std::string_view::npos) return Split{text, {}};
  const std::size_t next = text.find_first_not_of(' ', gap);
  return Split{text.substr(0, gap), next == std::string_view::npos ? "" : text.substr(next)};
}

bool all_caps(std::string_view word) {
  bool upper = false;
  for (char c : word) {
    if (std::islower(static_cast<unsigned char>(c))) return false;
    if (std::isupper(static_cast<unsigned char>(c))) upper = true;
  }
  return upper;
}

// An item's tag: options and plain words in bold, placeholders (NAME,
// ADDRESS:PORT) in italics.
std::string tag_roff(std::string_view tag) {
  std::string out;
  std::size_t start = 0;
  while (start < tag.size()) {
    std::size_t end = tag.find(' ', start);
    if (end == std::string_view::npos) end = tag.size();
    const std::string_view word = tag.substr(start, end - start);
    if (!out.empty()) out += ' ';
    if (!word.empty()) {
      const bool italic = word[0] != '-' && all_caps(word);
      out += italic ? "\\fI" : "\\fB";
      out += escape(word);
      out += "\\fR";
    }
    start = end + 1;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

// A synopsis form: "strait CMD" in bold, the rest as written, in no-fill
// mode so that its continuation lines keep their alignment.
std::string synopsis_roff(const std::vector<std::string>& form_lines) {
  std::string out = ".nf\n";
  for (std::size_t i = 0; i < form_lines.size(); ++i) {
    std::string_view line = form_lines[i];
    if (i == 0 && line.starts_with("strait ")) {
      const std::size_t command_end = line.find(' ', 7);
      const std::string_view command = line.substr(0, command_end);
      out += "\\fB" + escape(command) + "\\fR";
      line = command_end == std::string_view::npos ? "" : line.substr(command_end);
      out += escape(line);
    } else {
      out += roff_text(line);
    }
    out += '\n';
  }
  out += ".fi\n";
  return out;
}

}  // namespace

std::string roff_text(std::string_view text) {
  std::string out = escape(text);
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

std::string render_usage(std::string_view usage) {
  const std::vector<std::string_view> lines = split_lines(usage);
  std::string out;
  std::size_t i = 0;

  // The synopsis forms.
  std::vector<std::string> form;
  const auto flush_form = [&] {
    if (form.empty()) return;
    out += synopsis_roff(form);
    form.clear();
  };
  constexpr std::string_view kUsagePrefix = "usage: ";
  constexpr std::string_view kFormPrefix = "       strait ";
  for (; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    const std::size_t indent = indent_of(line);
    if (i == 0 && line.starts_with(kUsagePrefix)) {
      form.emplace_back(line.substr(kUsagePrefix.size()));
    } else if (line.starts_with(kFormPrefix)) {
      flush_form();
      out += ".PP\n";
      form.emplace_back(line.substr(kUsagePrefix.size()));
    } else if (!form.empty() && indent > 2 && indent < line.size()) {
      form.emplace_back(line.substr(std::min(indent, kUsagePrefix.size())));
    } else {
      break;
    }
  }
  flush_form();

  // The body.
  enum class State { kNone, kParagraph, kItem };
  State state = State::kNone;
  std::size_t description_column = 0;  // of the current item; 0: not known yet
  bool in_nested_list = false;
  bool after_blank = false;
  const auto end_block = [&] {
    if (in_nested_list) out += ".RE\n";
    in_nested_list = false;
    state = State::kNone;
  };
  for (; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    const std::size_t indent = indent_of(line);
    if (indent == line.size()) {  // blank
      end_block();
      after_blank = true;
      continue;
    }
    const std::string_view text = line.substr(indent);
    if (after_blank && line.starts_with(kFormPrefix)) {
      // A further form of the command, and its continuation lines.
      after_blank = false;
      out += ".PP\n";
      form.emplace_back(line.substr(kUsagePrefix.size()));
      while (i + 1 < lines.size() && indent_of(lines[i + 1]) > kUsagePrefix.size() &&
             indent_of(lines[i + 1]) < lines[i + 1].size())
        form.emplace_back(lines[++i].substr(kUsagePrefix.size()));
      flush_form();
      continue;
    }
    after_blank = false;
    if (indent <= 2) {
      std::optional<Split> item;
      if (text[0] == '-')
        item = option_tag(text);
      else
        item = word_then_gap(text);
      if (item) {
        end_block();
        out += ".TP\n" + tag_roff(item->head) + "\n";
        if (!item->rest.empty()) out += roff_text(item->rest) + "\n";
        description_column =
            item->rest.empty() ? 0 : static_cast<std::size_t>(item->rest.data() - line.data());
        state = State::kItem;
        continue;
      }
      if (state != State::kParagraph) {
        end_block();
        out += ".PP\n";
        state = State::kParagraph;
      }
      out += roff_text(text) + "\n";
      continue;
    }
    // A deeper line: continues what is above.
    if (state == State::kItem) {
      if (description_column == 0) description_column = indent;
      if (indent < description_column) {
        if (auto entry = word_then_gap(text)) {
          if (!in_nested_list) out += ".RS\n";
          in_nested_list = true;
          out += ".TP\n" + tag_roff(entry->head) + "\n" + roff_text(entry->rest) + "\n";
          continue;
        }
      }
      out += roff_text(text) + "\n";
      continue;
    }
    if (state != State::kParagraph) {
      end_block();
      out += ".PP\n";
      state = State::kParagraph;
    }
    out += roff_text(text) + "\n";
  }
  end_block();
  return out;
}

std::string render_man_page(const ManPageSource& source) {
  std::string out;
  out +=
      ".\\\" strait(8), written by `strait help --man` from the text of `strait --help`\n"
      ".\\\" and of each command's --help (gateway/cli/): do not edit.\n"
      ".TH STRAIT 8 \"\" \"Strait\" \"System Manager's Manual\"\n"
      ".nh\n"
      ".ad l\n"
      ".SH NAME\n";
  out += roff_text(source.summary) + "\n";
  out += ".SH SYNOPSIS\n.nf\n\\fBstrait\\fR \\fIcommand\\fR [\\fIoptions\\fR]\n";
  for (const ManCommand& command : source.commands)
    out += "\\fBstrait " + escape(command.name) + "\\fR ...\n";
  out += ".fi\n.SH DESCRIPTION\n";
  out += roff_text(source.description) + "\n";
  out += ".PP\nThe commands:\n";
  for (const ManCommand& command : source.commands)
    out += ".TP\n\\fB" + escape(command.name) + "\\fR\n" + roff_text(command.summary) + "\n";
  out +=
      ".PP\n\\fBstrait\\fR \\fIcommand\\fR \\fB\\-\\-help\\fR prints the section of "
      "\\fIcommand\\fR below.\n";
  out += ".SH COMMANDS\n";
  for (const ManCommand& command : source.commands) {
    out += ".SS \"strait " + escape(command.name) + "\"\n";
    out += render_usage(command.usage);
  }
  const auto entries = [&](std::string_view heading, const std::vector<ManEntry>& list,
                           std::string_view font) {
    if (list.empty()) return;
    out += ".SH " + std::string(heading) + "\n";
    for (const ManEntry& entry : list)
      out += ".TP\n\\f" + std::string(font) + escape(entry.term) + "\\fR\n" +
             roff_text(entry.text) + "\n";
  };
  entries("FILES", source.files, "I");
  entries("ENVIRONMENT", source.environment, "B");
  if (!source.see_also.empty()) {
    out += ".SH \"SEE ALSO\"\n";
    for (std::size_t k = 0; k < source.see_also.size(); ++k) {
      const std::string_view reference = source.see_also[k];
      const std::size_t open = reference.find('(');
      out += ".BR " + escape(reference.substr(0, open)) + " " +
             std::string(open == std::string_view::npos ? "" : reference.substr(open)) +
             (k + 1 < source.see_also.size() ? "," : "") + "\n";
    }
  }
  return out;
}

}  // namespace strait::cli
