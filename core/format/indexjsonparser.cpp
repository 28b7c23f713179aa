#include "core/format/indexjsonparser.h"

#include "core/format/nametable.h"

namespace safescope {

IndexJsonParser::IndexJsonParser(const char* json, size_t size, ShardNameFn onShard)
    : JsonCursor(json, size), m_onShard(std::move(onShard))
{}

std::string_view IndexJsonParser::metadataText() const
{
    return m_metadataBegin == nullptr
               ? std::string_view()
               : std::string_view(m_metadataBegin, static_cast<size_t>(m_metadataEnd - m_metadataBegin));
}

bool IndexJsonParser::parse()
{
    skipSpace();
    if (m_pos >= m_end)
        return fail("invalid JSON: the index is empty");
    if (*m_pos != '{') {
        const char* start = m_pos;
        if (!skipValue(1))
            return false;
        skipSpace();
        if (m_pos != m_end)
            return fail("invalid JSON: trailing characters after the top-level value");
        m_pos = start;
        m_topLevelType = describeValueAt();
        return true;
    }
    ++m_pos;
    skipSpace();
    if (m_pos < m_end && *m_pos == '}') {
        ++m_pos;
    } else {
        while (true) {
            std::string_view key;
            if (!parseString(key) || !expect(':', "after a key"))
                return false;
            skipSpace();
            if (key == "weight_map") {
                if (!parseWeightMap())
                    return false;
            } else if (key == "metadata") {
                m_metadataBegin = m_pos;
                if (!skipValue(2))
                    return false;
                m_metadataEnd = m_pos;
            } else if (!skipValue(2)) {
                return false;
            }
            skipSpace();
            if (m_pos < m_end && *m_pos == ',') {
                ++m_pos;
                continue;
            }
            if (!expect('}', "inside the top-level object (missing ',' or '}')"))
                return false;
            break;
        }
    }
    skipSpace();
    if (m_pos != m_end)
        return fail("invalid JSON: trailing characters after the top-level object");
    removeDuplicates();
    return true;
}

bool IndexJsonParser::parseWeightMap()
{
    // A repeated "weight_map" key replaces the earlier map, as it would in a DOM.
    m_entries.clear();
    m_shards.clear();
    m_shardOrdinals.clear();
    m_lastShard = UINT32_MAX;
    m_hasBadEntry = false;
    m_weightMapType = describeValueAt();
    if (m_pos >= m_end || *m_pos != '{')
        return skipValue(2);
    ++m_pos;
    // Room for the entries at once (an index spends some 80 bytes of text on one; tiny names only grow the vector
    // later): growing by doubling copied it a dozen times, and reserved but untouched pages cost nothing.
    m_entries.reserve(static_cast<size_t>(m_end - m_pos) / 32);
    skipSpace();
    if (m_pos < m_end && *m_pos == '}') {
        ++m_pos;
        return true;
    }
    while (true) {
        std::string_view key;
        if (!parseString(key))
            return false;
        // Copied at once: the view may point into the cursor's scratch, which the value reuses.
        const std::string_view tensor = m_names->store(key);
        if (!expect(':', "after a key"))
            return false;
        skipSpace();
        if (m_pos < m_end && *m_pos == '"') {
            std::string_view shard;
            if (!parseString(shard))
                return false;
            m_entries.push_back(WeightMapEntry{tensor, shardOrdinal(shard)});
        } else {
            const char* start = m_pos;
            if (!skipValue(3))
                return false;
            if (!m_hasBadEntry) {
                m_hasBadEntry = true;
                m_badKey = std::string(tensor);
                m_badValue = std::string_view(start, static_cast<size_t>(m_pos - start));
            }
        }
        skipSpace();
        if (m_pos < m_end && *m_pos == ',') {
            ++m_pos;
            continue;
        }
        return expect('}', "inside an object (missing ',' or '}')");
    }
}

void IndexJsonParser::removeDuplicates()
{
    // transformers writes the keys sorted: strictly increasing names cannot repeat, and checking that is a
    // sequential pass instead of a hash table.
    bool increasing = true;
    for (size_t i = 1; i < m_entries.size() && increasing; ++i)
        increasing = m_entries[i - 1].tensor < m_entries[i].tensor;
    if (increasing)
        return;
    NameTable names([this](uint32_t entry) { return m_entries[entry].tensor; });
    names.reserve(m_entries.size());
    std::vector<bool> repeated;
    for (size_t i = 0; i < m_entries.size(); ++i) {
        const uint32_t first = names.insert(static_cast<uint32_t>(i), m_entries[i].tensor);
        if (first != i) {
            m_entries[first].shard = m_entries[i].shard;
            repeated.resize(m_entries.size());
            repeated[i] = true;
        }
    }
    if (repeated.empty())
        return;
    size_t kept = 0;
    for (size_t i = 0; i < m_entries.size(); ++i)
        if (!repeated[i] && kept++ != i)
            m_entries[kept - 1] = m_entries[i];
    m_entries.resize(kept);
    // Renumber shards by first use among the kept entries, as if the repeated keys had never been there.
    std::vector<uint32_t> renumbered(m_shards.size(), UINT32_MAX);
    std::vector<std::string> shards;
    for (WeightMapEntry& entry : m_entries) {
        if (renumbered[entry.shard] == UINT32_MAX) {
            renumbered[entry.shard] = static_cast<uint32_t>(shards.size());
            shards.push_back(m_shards[entry.shard]);
        }
        entry.shard = renumbered[entry.shard];
    }
    m_shards = std::move(shards);
}

uint32_t IndexJsonParser::shardOrdinal(std::string_view name)
{
    // Consecutive tensors usually share a shard: compare with the last one before hashing.
    if (m_lastShard != UINT32_MAX && m_shards[m_lastShard] == name)
        return m_lastShard;
    const auto [at, inserted] = m_shardOrdinals.try_emplace(std::string(name), static_cast<uint32_t>(m_shards.size()));
    if (inserted) {
        m_shards.emplace_back(name);
        if (m_onShard)
            m_onShard(name);
    }
    m_lastShard = at->second;
    return m_lastShard;
}

} // namespace safescope
