#include "ui/models/tensortree.h"

#include "ui/models/naturalcompare.h"

#include <algorithm>
#include <array>
#include <functional>

namespace safescope {

namespace {

bool isSeparator(char c)
{
    return c == '.' || c == '/';
}

/// Finds a group node by (parent, segment) while the tree is built. Open addressing over node ids: the keys are
/// already stored in the nodes, so the table is 4 bytes a slot and is freed as soon as the build ends.
class GroupTable
{
public:
    explicit GroupTable(const std::vector<TensorTree::Node>& nodes) : m_nodes(nodes), m_slots(1024, kEmpty) {}

    /// The group's node id, or kEmpty.
    uint32_t find(uint32_t parent, std::string_view segment) const
    {
        for (size_t slot = hash(parent, segment) & mask();; slot = (slot + 1) & mask()) {
            const uint32_t id = m_slots[slot];
            if (id == kEmpty)
                return kEmpty;
            if (m_nodes[id].parent == parent && m_nodes[id].segment() == segment)
                return id;
        }
    }

    void insert(uint32_t id)
    {
        if (2 * (m_size + 1) > m_slots.size())
            grow();
        place(id);
        ++m_size;
    }

    static constexpr uint32_t kEmpty = TensorTree::kNone;

private:
    size_t mask() const { return m_slots.size() - 1; }

    static size_t hash(uint32_t parent, std::string_view segment)
    {
        return std::hash<std::string_view>{}(segment) ^ (size_t{parent} * 0x9E3779B97F4A7C15ULL);
    }

    void place(uint32_t id)
    {
        size_t slot = hash(m_nodes[id].parent, m_nodes[id].segment()) & mask();
        while (m_slots[slot] != kEmpty)
            slot = (slot + 1) & mask();
        m_slots[slot] = id;
    }

    void grow()
    {
        std::vector<uint32_t> old(m_slots.size() * 2, kEmpty);
        old.swap(m_slots);
        for (const uint32_t id : old) {
            if (id != kEmpty)
                place(id);
        }
    }

    const std::vector<TensorTree::Node>& m_nodes;
    std::vector<uint32_t> m_slots;
    size_t m_size = 0;
};

} // namespace

std::shared_ptr<const TensorTree> TensorTree::build(std::shared_ptr<const Model> model)
{
    std::shared_ptr<TensorTree> tree(new TensorTree);
    tree->m_model = std::move(model);
    tree->createNodes();
    tree->linkChildren();
    tree->aggregate();
    tree->collectFlatOrder();
    return tree;
}

// Nodes are created parent first, so every child's id is larger than its parent's: aggregate() relies on it.
// Groups are found by (parent, segment); leaves are never looked up, so a tensor named like a group prefix
// ("a" next to "a.b") and duplicate names in lenient files each keep their own row.
void TensorTree::createNodes()
{
    const Model& m = *m_model;
    const size_t count = m.tensorCount();
    // Every segment of every name makes at most one node. Reserving that bound up front means the vector never
    // reallocates: a reallocation copies every node and leaves the old block behind as resident garbage, while the
    // unused tail of the reservation costs address space only (its pages are never touched).
    size_t segments = 1;
    for (size_t i = 0; i < count; ++i) {
        const std::string_view name = m.qualifiedName(i);
        segments += 1 + static_cast<size_t>(std::count_if(name.begin(), name.end(), isSeparator));
    }
    m_nodes.reserve(segments);
    m_nodes.emplace_back(); // root
    m_leafOfTensor.assign(count, kNone);
    GroupTable groups(m_nodes);
    // Headers list related tensors together, so a name usually shares its leading groups with the previous one:
    // those are taken from `trail` (the previous name's groups and where their segments end) without hashing.
    std::string_view previous;
    std::vector<std::pair<uint32_t, size_t>> trail; // (group id, end of its segment in `previous`)
    for (size_t i = 0; i < count; ++i) {
        const std::string_view name = m.qualifiedName(i);
        const size_t common = static_cast<size_t>(
            std::mismatch(name.begin(),
                          name.begin() + static_cast<std::ptrdiff_t>(std::min(name.size(), previous.size())),
                          previous.begin())
                .first -
            name.begin());
        size_t depth = 0;
        // A group is shared when its segment and the separator after it lie inside the common prefix.
        while (depth < trail.size() && trail[depth].second < common)
            ++depth;
        trail.resize(depth);
        uint32_t parent = depth == 0 ? rootId() : trail.back().first;
        size_t start = depth == 0 ? 0 : trail.back().second + 1;
        for (;;) {
            size_t end = start;
            while (end < name.size() && !isSeparator(name[end]))
                ++end;
            const auto id = static_cast<uint32_t>(m_nodes.size());
            if (end == name.size()) {
                Node& leaf = m_nodes.emplace_back();
                leaf.path = name;
                leaf.segmentStart = static_cast<uint32_t>(start);
                leaf.parent = parent;
                leaf.tensor = static_cast<uint32_t>(i);
                m_leafOfTensor[i] = id;
                break;
            }
            uint32_t group = groups.find(parent, name.substr(start, end - start));
            if (group == GroupTable::kEmpty) {
                Node& node = m_nodes.emplace_back();
                node.path = name.substr(0, end);
                node.segmentStart = static_cast<uint32_t>(start);
                node.parent = parent;
                groups.insert(id);
                group = id;
            }
            trail.emplace_back(group, end);
            parent = group;
            start = end + 1;
        }
        previous = name;
    }
}

// All child lists in one array: a counting sort by parent, then each range sorted naturally.
void TensorTree::linkChildren()
{
    std::vector<uint32_t> begin(m_nodes.size() + 1, 0);
    for (size_t id = 1; id < m_nodes.size(); ++id)
        ++begin[m_nodes[id].parent + 1];
    for (size_t id = 1; id < begin.size(); ++id)
        begin[id] += begin[id - 1];
    m_childIds.resize(m_nodes.size() - 1);
    std::vector<uint32_t> next(begin.begin(), begin.end() - 1);
    for (size_t id = 1; id < m_nodes.size(); ++id)
        m_childIds[next[m_nodes[id].parent]++] = static_cast<uint32_t>(id);

    for (size_t id = 0; id < m_nodes.size(); ++id) {
        const auto first = m_childIds.begin() + begin[id];
        const auto last = m_childIds.begin() + begin[id + 1];
        std::stable_sort(first, last, [this](uint32_t a, uint32_t b) {
            return naturalLess(m_nodes[a].segment(), m_nodes[b].segment());
        });
        m_nodes[id].children = std::span<const uint32_t>(m_childIds.data() + begin[id], begin[id + 1] - begin[id]);
        for (size_t row = 0; row < m_nodes[id].children.size(); ++row)
            m_nodes[m_nodes[id].children[row]].row = static_cast<uint32_t>(row);
    }
}

// One bottom-up pass (children have larger ids than parents). Dtype mixes are counted in a temporary table with one
// column per dtype present in the model (usually one to three), then packed into m_dtypeCounts.
void TensorTree::aggregate()
{
    const Model& m = *m_model;
    std::array<int, kDTypeCount + 1> column{};
    column.fill(-1);
    int columns = 0;
    for (size_t i = 0; i < m.tensorCount(); ++i) {
        int& c = column[static_cast<size_t>(m.tensor(i).dtype)];
        if (c < 0)
            c = columns++;
    }
    std::vector<uint32_t> counts(m_nodes.size() * static_cast<size_t>(columns), 0);

    for (size_t id = m_nodes.size(); id-- > 0;) {
        Node& node = m_nodes[id];
        if (!node.isGroup()) {
            const TensorInfo& info = m.tensor(node.tensor);
            node.parameters = info.elementCount;
            node.bytes = info.byteSize();
            node.tensorCount = 1;
            node.firstOffset = m.absoluteOffset(node.tensor);
            counts[id * static_cast<size_t>(columns) + static_cast<size_t>(column[static_cast<size_t>(info.dtype)])] =
                1;
        }
        if (node.parent == kNone)
            continue;
        Node& parent = m_nodes[node.parent];
        parent.parameters += node.parameters;
        parent.bytes += node.bytes;
        parent.tensorCount += node.tensorCount;
        parent.firstOffset = std::min(parent.firstOffset, node.firstOffset);
        for (int c = 0; c < columns; ++c)
            counts[node.parent * static_cast<size_t>(columns) + static_cast<size_t>(c)] +=
                counts[id * static_cast<size_t>(columns) + static_cast<size_t>(c)];
    }

    size_t pairs = 0;
    for (size_t id = 0; id < m_nodes.size(); ++id) {
        if (m_nodes[id].isGroup())
            pairs += static_cast<size_t>(std::count_if(counts.begin() + static_cast<ptrdiff_t>(id * columns),
                                                       counts.begin() + static_cast<ptrdiff_t>((id + 1) * columns),
                                                       [](uint32_t n) { return n > 0; }));
    }
    m_dtypeCounts.reserve(pairs); // exact: the spans below point into it
    for (size_t id = 0; id < m_nodes.size(); ++id) {
        if (!m_nodes[id].isGroup())
            continue;
        const size_t first = m_dtypeCounts.size();
        for (size_t type = 0; type < column.size(); ++type) {
            if (column[type] < 0)
                continue;
            const uint32_t n = counts[id * static_cast<size_t>(columns) + static_cast<size_t>(column[type])];
            if (n > 0)
                m_dtypeCounts.emplace_back(static_cast<DType>(type), n);
        }
        m_nodes[id].dtypes = std::span(m_dtypeCounts.data() + first, m_dtypeCounts.size() - first);
    }
}

// Depth-first over the sorted tree: the flat list then reads like the expanded tree, layers.2 before layers.10.
void TensorTree::collectFlatOrder()
{
    m_flat.clear();
    m_flat.reserve(m_leafOfTensor.size());
    std::vector<std::pair<uint32_t, uint32_t>> stack{{rootId(), 0}}; // (node, next child row)
    while (!stack.empty()) {
        auto& [id, row] = stack.back();
        const Node& node = m_nodes[id];
        if (row == node.children.size()) {
            stack.pop_back();
            continue;
        }
        const uint32_t child = node.children[row++];
        if (m_nodes[child].isGroup())
            stack.emplace_back(child, 0);
        else
            m_flat.push_back(m_nodes[child].tensor);
    }
}

} // namespace safescope
