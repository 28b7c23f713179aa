#include "ui/models/tensortree.h"

#include "ui/models/naturalcompare.h"

#include <algorithm>
#include <functional>
#include <unordered_map>

namespace safescope {

namespace {

struct GroupKey
{
    uint32_t parent;
    std::string_view segment;
    bool operator==(const GroupKey&) const = default;
};

struct GroupKeyHash
{
    size_t operator()(const GroupKey& key) const
    {
        return std::hash<std::string_view>{}(key.segment) ^ (size_t{key.parent} * 0x9E3779B97F4A7C15ULL);
    }
};

bool isSeparator(char c)
{
    return c == '.' || c == '/';
}

} // namespace

std::shared_ptr<const TensorTree> TensorTree::build(std::shared_ptr<const Model> model)
{
    std::shared_ptr<TensorTree> tree(new TensorTree);
    tree->m_model = std::move(model);
    const Model& m = *tree->m_model;
    const size_t count = m.tensorCount();
    auto& nodes = tree->m_nodes;
    nodes.reserve(count + count / 4 + 1);
    nodes.emplace_back(); // root
    tree->m_leafOfTensor.resize(count, kNone);

    // Groups are found by (parent, segment); leaves are never looked up, so a tensor named like a group prefix
    // ("a" next to "a.b") and duplicate names in lenient files each keep their own row.
    std::unordered_map<GroupKey, uint32_t, GroupKeyHash> groups;
    groups.reserve(count / 2 + 1);
    for (size_t i = 0; i < count; ++i) {
        const std::string_view name = m.qualifiedName(i);
        uint32_t parent = rootId();
        size_t start = 0;
        for (;;) {
            size_t end = start;
            while (end < name.size() && !isSeparator(name[end]))
                ++end;
            if (end == name.size()) {
                const auto id = static_cast<uint32_t>(nodes.size());
                Node& leaf = nodes.emplace_back();
                leaf.path = name;
                leaf.segmentStart = static_cast<uint32_t>(start);
                leaf.parent = parent;
                leaf.tensor = static_cast<uint32_t>(i);
                nodes[parent].children.push_back(id);
                tree->m_leafOfTensor[i] = id;
                break;
            }
            const GroupKey key{parent, name.substr(start, end - start)};
            auto found = groups.find(key);
            if (found == groups.end()) {
                const auto id = static_cast<uint32_t>(nodes.size());
                Node& group = nodes.emplace_back();
                group.path = name.substr(0, end);
                group.segmentStart = static_cast<uint32_t>(start);
                group.parent = parent;
                nodes[parent].children.push_back(id);
                found = groups.emplace(key, id).first;
            }
            parent = found->second;
            start = end + 1;
        }
    }
    tree->aggregate();
    tree->sortChildren();

    tree->m_flat.resize(count);
    for (size_t i = 0; i < count; ++i)
        tree->m_flat[i] = static_cast<uint32_t>(i);
    std::stable_sort(tree->m_flat.begin(), tree->m_flat.end(),
                     [&m](uint32_t a, uint32_t b) { return naturalLess(m.qualifiedName(a), m.qualifiedName(b)); });
    return tree;
}

void TensorTree::aggregate()
{
    for (size_t i = 0; i < m_leafOfTensor.size(); ++i) {
        const TensorInfo& info = m_model->tensor(i);
        const uint64_t offset = m_model->absoluteOffset(i);
        uint32_t id = m_leafOfTensor[i];
        bool leaf = true;
        while (id != kNone) {
            Node& n = m_nodes[id];
            n.parameters += info.elementCount;
            n.bytes += info.byteSize();
            n.tensorCount += 1;
            n.firstOffset = std::min(n.firstOffset, offset);
            if (!leaf) {
                auto it = std::find_if(n.dtypes.begin(), n.dtypes.end(),
                                       [&info](const auto& entry) { return entry.first == info.dtype; });
                if (it == n.dtypes.end())
                    n.dtypes.emplace_back(info.dtype, 1);
                else
                    ++it->second;
            }
            leaf = false;
            id = n.parent;
        }
    }
}

void TensorTree::sortChildren()
{
    for (Node& n : m_nodes) {
        std::stable_sort(n.children.begin(), n.children.end(), [this](uint32_t a, uint32_t b) {
            return naturalLess(m_nodes[a].segment(), m_nodes[b].segment());
        });
        for (size_t row = 0; row < n.children.size(); ++row)
            m_nodes[n.children[row]].row = static_cast<uint32_t>(row);
    }
}

} // namespace safescope
