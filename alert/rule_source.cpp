#include "alert/rule_source.hpp"

#include <string>

#include <yaml-cpp/yaml.h>

#include "alert/rules_parser.hpp"

namespace vigil::alert {

result<std::vector<stored_group>> split_rule_file(std::string_view text) {
  auto file = parse_rule_file(text);
  if (!file) return file.error();
  std::vector<stored_group> out;
  try {
    auto root = YAML::Load(std::string(text));
    auto groups = root["groups"];
    for (std::size_t i = 0; i < file->groups.size(); ++i) {
      YAML::Emitter e;
      e << YAML::BeginMap << YAML::Key << "groups" << YAML::Value << YAML::BeginSeq << groups[i]
        << YAML::EndSeq << YAML::EndMap;
      out.push_back({std::move(file->groups[i]), std::string(e.c_str()) + "\n"});
    }
  } catch (const YAML::Exception& e) {
    return invalid_argument(std::string("rule file: ") + e.what());
  }
  return out;
}

} // namespace vigil::alert
