#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace safescope {

/// Finds a tensor's position by name. Open addressing over positions (4 bytes a slot, at most half full): the
/// names themselves stay where they are, so a 100,000-tensor model pays 1 MiB here instead of a node, a bucket
/// and a pointer per name in a std::unordered_map.
class NameIndex final
{
public:
    using NameOf = std::function<std::string_view(uint32_t)>;

    NameIndex() = default;
    /// Indexes positions 0..count-1; `nameOf` must stay valid for lookups. The first of equal names wins.
    NameIndex(uint32_t count, NameOf nameOf);

    std::optional<uint32_t> find(std::string_view name) const;

private:
    static constexpr uint32_t kEmpty = UINT32_MAX;
    static size_t hash(std::string_view name) { return std::hash<std::string_view>{}(name); }

    NameOf m_nameOf;
    std::vector<uint32_t> m_slots;
};

} // namespace safescope
