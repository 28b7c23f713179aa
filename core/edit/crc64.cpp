#include "core/edit/crc64.h"

#include <QtEndian>

#include <array>
#include <cstring>

namespace safescope {

namespace {

constexpr uint64_t kReflectedPolynomial = 0xC96C5795D7870F42ULL;

using Tables = std::array<std::array<uint64_t, 256>, 8>;

// Slicing-by-8: table k advances the CRC of a byte by k further zero bytes, so eight bytes fold in at once.
constexpr Tables makeTables()
{
    Tables tables{};
    for (uint64_t i = 0; i < 256; ++i) {
        uint64_t crc = i;
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc >> 1) ^ ((crc & 1) != 0 ? kReflectedPolynomial : 0);
        tables[0][i] = crc;
    }
    for (size_t i = 0; i < 256; ++i) {
        for (size_t k = 1; k < 8; ++k)
            tables[k][i] = (tables[k - 1][i] >> 8) ^ tables[0][tables[k - 1][i] & 0xFF];
    }
    return tables;
}

constexpr Tables kTables = makeTables();

} // namespace

uint64_t crc64(const void* data, size_t size, uint64_t crc)
{
    const auto* bytes = static_cast<const unsigned char*>(data);
    crc = ~crc;
    for (; size >= 8; size -= 8, bytes += 8) {
        uint64_t word;
        std::memcpy(&word, bytes, 8);
        crc ^= qFromLittleEndian(word);
        crc = kTables[7][crc & 0xFF] ^ kTables[6][(crc >> 8) & 0xFF] ^ kTables[5][(crc >> 16) & 0xFF] ^
              kTables[4][(crc >> 24) & 0xFF] ^ kTables[3][(crc >> 32) & 0xFF] ^ kTables[2][(crc >> 40) & 0xFF] ^
              kTables[1][(crc >> 48) & 0xFF] ^ kTables[0][crc >> 56];
    }
    for (; size > 0; --size, ++bytes)
        crc = kTables[0][(crc ^ *bytes) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

} // namespace safescope
