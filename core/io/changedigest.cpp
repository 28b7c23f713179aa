#include "core/io/changedigest.h"

#include <QtEndian>

#include <algorithm>
#include <cstring>

namespace safescope {

namespace {

// Odd constants with well-spread bits (the 64-bit golden ratio and xxHash's primes).
constexpr uint64_t kLaneSeeds[4] = {0x9E3779B97F4A7C15ULL, 0xC2B2AE3D27D4EB4FULL, 0x165667B19E3779F9ULL,
                                    0x85EBCA77C2B2AE63ULL};
constexpr uint64_t kMultiplier = 0x9FB21C651E98DF25ULL;

uint64_t rotate(uint64_t x, int bits)
{
    return (x << bits) | (x >> (64 - bits));
}

uint64_t load(const unsigned char* p)
{
    uint64_t word;
    std::memcpy(&word, p, sizeof word);
    return qFromLittleEndian(word); // the same digest on every machine
}

// One word into a lane: every input bit reaches every lane bit within a few rounds.
uint64_t mixIn(uint64_t lane, uint64_t word)
{
    return rotate((lane ^ word) * kMultiplier, 29);
}

// MurmurHash3's finaliser: the lanes' last rounds spread over all 64 output bits.
uint64_t finish(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ULL;
    return h ^ (h >> 33);
}

} // namespace

uint64_t changeDigest(const void* data, size_t size)
{
    const auto* p = static_cast<const unsigned char*>(data);
    uint64_t lanes[4] = {kLaneSeeds[0], kLaneSeeds[1], kLaneSeeds[2], kLaneSeeds[3]};
    size_t i = 0;
    for (; i + 32 <= size; i += 32)
        for (int k = 0; k < 4; ++k)
            lanes[k] = mixIn(lanes[k], load(p + i + 8 * static_cast<size_t>(k)));
    // The tail, zero-padded to a word; the length below tells a padded tail from real zero bytes.
    for (int k = 0; i < size; ++k, i += 8) {
        unsigned char word[8] = {};
        std::memcpy(word, p + i, std::min<size_t>(8, size - i));
        lanes[k] = mixIn(lanes[k], load(word));
    }
    uint64_t h = static_cast<uint64_t>(size) * kMultiplier;
    for (const uint64_t lane : lanes)
        h = mixIn(h, lane);
    return finish(h);
}

} // namespace safescope
