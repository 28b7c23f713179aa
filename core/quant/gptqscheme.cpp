// GPTQ, as AutoGPTQ and GPTQModel write it. Reference: AutoGPTQ auto_gptq/nn_modules/qlinear/qlinear_cuda_old.py,
// QuantLinear.pack (codes of consecutive inputs packed low bits first down each output's column of `qweight`; 3-bit
// codes run on across word boundaries, 32 codes in 3 words; zero points minus one packed the same way along the
// rows of `qzeros`) and QuantLinear.forward (zeros + 1, then (q - zeros) * scales[g_idx]). GPTQModel's
// convert_gptq_v1_to_v2_format adds the one back: `checkpoint_format: "gptq_v2"` stores the zero itself.
// Logical shape: [out, in], the float checkpoint's `X.weight`.
#include "core/format/model.h"
#include "core/io/sigbusguard.h"
#include "core/quant/dequantizer.h"
#include "core/quant/nibblecolumns.h"
#include "core/quant/recognition.h"
#include "core/quant/schemes.h"
#include "core/quant/storedpart.h"

#include <array>
#include <cstring>

namespace safescope {

namespace {

class GptqDequantizer final : public Dequantizer
{
public:
    GptqDequantizer(const LogicalTensor& t, StoredPart qweight, StoredPart qzeros, StoredPart scales,
                    std::vector<uint32_t> groupOf)
        : Dequantizer(t, qweight.path), m_qweight(std::move(qweight)), m_qzeros(std::move(qzeros)),
          m_scales(std::move(scales)), m_groupOf(std::move(groupOf)), m_bits(t.bits),
          m_zeroAdd(t.variant == "gptq_v2" ? 0 : 1), m_reader(readerOf(m_qweight))
    {
        m_out = t.shape[0];
        m_in = t.shape[1];
        m_zeroRowBytes = m_qzeros.shape[1] * 4;
        // Groups in input order and never changing inside a word (always so without act-order).
        const uint64_t perWord = m_bits == 3 ? 32 : 32 / static_cast<uint64_t>(m_bits);
        for (uint64_t i = 0; i < m_in && m_groupsInOrder; ++i)
            m_groupsInOrder = m_groupOf[static_cast<size_t>(i)] == m_groupOf[static_cast<size_t>(i - i % perWord)];
        if (m_bits != 3 && m_groupsInOrder)
            listGroupRows(perWord);
        // Without act-order (or with a sorted g_idx) the groups' rows follow one another: row k is listed k-th.
        m_rowsInOrder = !m_groupRows.empty();
        for (size_t k = 0; k < m_groupRows.size() && m_rowsInOrder; ++k)
            m_rowsInOrder = m_groupRows[k] == k;
        for (size_t g = 0; g + 1 < m_groupRowStart.size(); ++g)
            m_mostGroupRows = std::max<uint64_t>(m_mostGroupRows, m_groupRowStart[g + 1] - m_groupRowStart[g]);
    }

    void decode(uint64_t first, uint64_t count, float* out) const override
    {
        // A row's zero points and scales, one per group, decoded once per row rather than once per element: with
        // act-order the group changes from one input to the next.
        thread_local std::vector<float> zeros, scales;
        const uint64_t groups = m_scales.shape[0];
        zeros.resize(static_cast<size_t>(groups));
        scales.resize(static_cast<size_t>(groups));
        const uint32_t mask = (1u << m_bits) - 1u;
        const uint64_t bits = static_cast<uint64_t>(m_bits);
        const uint64_t end = first + count;
        uint64_t o = first / m_in;
        uint64_t i = first % m_in;
        for (uint64_t e = first; e < end; ++o, i = 0) {
            for (uint64_t g = 0; g < groups; ++g) {
                const uint32_t z = streamBits(m_qzeros.data + g * m_zeroRowBytes, o * bits, m_bits);
                zeros[static_cast<size_t>(g)] = static_cast<float>(static_cast<int>(z) + m_zeroAdd);
                scales[static_cast<size_t>(g)] = m_scales.scale(g * m_out + o);
            }
            const uint64_t rowEnd = std::min(end, e + (m_in - i));
            for (; e < rowEnd; ++e, ++i) {
                const uint64_t bit = i * bits;
                const uint64_t word = bit / 32;
                const unsigned shift = static_cast<unsigned>(bit % 32);
                uint64_t v = m_qweight.word(word * m_out + o) >> shift;
                if (shift + static_cast<unsigned>(m_bits) > 32)
                    v |= static_cast<uint64_t>(m_qweight.word((word + 1) * m_out + o)) << (32 - shift);
                const size_t g = m_groupOf[static_cast<size_t>(i)];
                *out++ = (static_cast<float>(v & mask) - zeros[g]) * scales[g];
            }
        }
    }

    // Stored order: input blocks of P codes (one word, or 3 words for 3 bits) of one output after the other, along
    // the rows of qweight: element k is code k % P of block k / P, whose output is (k / P) % out.
    void decodeStoredOrder(uint64_t first, uint64_t count, float* out) const override
    {
        if (m_bits != 3 && m_groupsInOrder)
            return decodeWords(first, count, out);
        const uint64_t bits = static_cast<uint64_t>(m_bits);
        const uint64_t perBlock = m_bits == 3 ? 32 : 32 / bits;
        const uint64_t wordsPerBlock = m_bits == 3 ? 3 : 1;
        const uint32_t mask = (1u << m_bits) - 1u;
        const uint64_t end = first + count;
        uint64_t lastGroup = UINT64_MAX, lastOutput = UINT64_MAX;
        float zero = 0.0f, scale = 0.0f;
        for (uint64_t k = first; k < end;) {
            const uint64_t block = k / perBlock;
            const uint64_t rowBlock = block / m_out, o = block % m_out;
            const uint64_t stop = std::min(end, (block + 1) * perBlock);
            for (uint64_t j = k % perBlock; k < stop; ++k, ++j) {
                const uint64_t bit = j * bits;
                const uint64_t word = rowBlock * wordsPerBlock + bit / 32;
                const unsigned shift = static_cast<unsigned>(bit % 32);
                uint64_t v = m_qweight.word(word * m_out + o) >> shift;
                if (shift + static_cast<unsigned>(m_bits) > 32)
                    v |= static_cast<uint64_t>(m_qweight.word((word + 1) * m_out + o)) << (32 - shift);
                const uint64_t g = m_groupOf[static_cast<size_t>(rowBlock * perBlock + j)];
                if (g != lastGroup || o != lastOutput) {
                    const uint32_t z = streamBits(m_qzeros.data + g * m_zeroRowBytes, o * bits, m_bits);
                    zero = static_cast<float>(static_cast<int>(z) + m_zeroAdd);
                    scale = m_scales.scale(g * m_out + o);
                    lastGroup = g;
                    lastOutput = o;
                }
                *out++ = (static_cast<float>(v & mask) - zero) * scale;
            }
        }
    }

    // Code counting: a segment is one group of one output, (g, o) numbered g * out + o, whose codes share a zero
    // point and a scale. Offered for whole-word codes (2, 4, 8 bits) with groups constant inside a word, act-order
    // included: the word rows of each group are listed once (m_groupRows).
    CodeLayout codeLayout() const override
    {
        if (m_bits == 3 || !m_groupsInOrder)
            return {};
        const uint64_t perWord = 32 / static_cast<uint64_t>(m_bits);
        uint64_t most = 0;
        for (size_t g = 0; g + 1 < m_groupRowStart.size(); ++g)
            most = std::max<uint64_t>(most, (m_groupRowStart[g + 1] - m_groupRowStart[g]) * perWord);
        // Keys: a 16-bit scale's bits (F32 scales would need 2^32), each with a row of 2^(bits + 1) entries for
        // q - zero, which runs from -2^bits (zero = 2^bits with v1's + 1) to 2^bits - 1.
        const bool keyed = m_scales.dtype == DType::F16 || m_scales.dtype == DType::BF16;
        CodeLayout layout{1 << m_bits, m_scales.shape[0] * m_out, std::max<uint64_t>(most, 1),
                          keyed ? uint64_t(1) << 16 : 0, keyed ? 2 << m_bits : 0};
        layout.segmentsPerRow = m_out; // a group's outputs share its rows of qweight
        return layout;
    }

    void countCodes(uint64_t first, uint64_t count, uint16_t* counts) const override
    {
        const unsigned bits = static_cast<unsigned>(m_bits);
        const unsigned perWord = 32 / bits;
        const uint32_t mask = (1u << bits) - 1u;
        const size_t codes = size_t(1) << bits;
        const uint64_t last = first + count;
        for (uint64_t s = first; s < last;) {
            const uint64_t g = s / m_out, o0 = s % m_out, o1 = std::min(m_out, o0 + (last - s));
            const uint32_t* rows = m_groupRows.data() + m_groupRowStart[g];
            const size_t rowCount = m_groupRowStart[g + 1] - m_groupRowStart[g];
            uint64_t o = o0;
            // int4, the common case: 8 or 16 outputs at a time, vectorised (a compare per code instead of a shift,
            // a mask and a counter increment per code).
            const size_t width = nibbleColumns();
            for (; bits == 4 && o + width <= o1; o += width) {
                uint32_t columns[16 * kMaxNibbleColumns];
                countNibbleColumns(m_qweight.data + 4 * o, 4 * m_out, rows, rowCount, width, columns);
                uint16_t* c = counts + (s - first + (o - o0)) * codes;
                for (size_t j = 0; j < width; ++j, c += codes)
                    for (size_t code = 0; code < 16; ++code)
                        c[code] = static_cast<uint16_t>(c[code] + columns[j * 16 + code]);
            }
            for (size_t r = 0; r < rowCount; ++r) {
                uint16_t* c = counts + (s - first + (o - o0)) * codes;
                for (uint64_t out = o; out < o1; ++out, c += codes) {
                    const uint32_t word = m_qweight.word(rows[r] * m_out + out);
                    for (unsigned j = 0; j < perWord; ++j)
                        ++c[(word >> (j * bits)) & mask];
                }
            }
            s += o1 - o0;
        }
    }

    void segmentKeys(uint64_t first, uint64_t count, uint32_t* keys, uint32_t* offsets) const override
    {
        uint64_t g = first / m_out, o = first % m_out;
        for (uint64_t k = 0; k < count; ++k) {
            const uint32_t zero =
                streamBits(m_qzeros.data + g * m_zeroRowBytes, o * static_cast<uint64_t>(m_bits), m_bits);
            uint16_t scaleBits;
            std::memcpy(&scaleBits, m_scales.data + 2 * (g * m_out + o), 2);
            keys[k] = scaleBits;
            offsets[k] = (1u << m_bits) - (zero + static_cast<uint32_t>(m_zeroAdd));
            if (++o == m_out) {
                o = 0;
                ++g;
            }
        }
    }

    // int4: the vectorised counters of 8 or 16 outputs added straight to their keys' rows (no 16-bit counts
    // between). Counts add up per key, so a group counted in two runs of its rows gives the same table.
    void countCodesByKey(uint64_t first, uint64_t count, uint32_t* table, uint8_t* seen) const override
    {
        if (m_bits != 4)
            return Dequantizer::countCodesByKey(first, count, table, seen);
        const uint64_t last = first + count;
        const uint64_t g0 = first / m_out, g1 = (last - 1) / m_out;
        auto columnsOf = [&](uint64_t g) {
            return std::pair<uint64_t, uint64_t>{g == g0 ? first % m_out : 0, g == g1 ? (last - 1) % m_out + 1 : m_out};
        };
        const uint64_t rowBytes = 4 * m_out;
        const uint64_t r0 = m_groupRowStart[g0], r1 = m_groupRowStart[g1 + 1];
        // Act-order (a group's rows lie apart) or a warm mapping: in place. Else the groups' rows follow one
        // another and are copied from the file (on a virtual machine the first touch of each mapped page cost
        // more than counting its codes).
        if (!m_rowsInOrder || !m_reader.shouldCopy(r0 * rowBytes, (r1 - r0) * rowBytes)) {
            for (uint64_t g = g0; g <= g1; ++g) {
                const auto [o0, o1] = columnsOf(g);
                countGroup(g, o0, o1, m_qweight.data + 4 * o0, rowBytes, m_groupRows.data() + m_groupRowStart[g],
                           m_groupRowStart[g + 1] - m_groupRowStart[g], table, seen);
            }
            return;
        }
        // Rows in order are listed 0, 1, 2, ...: the same list numbers the rows of a buffer.
        const uint32_t* bufferRows = m_groupRows.data();
        const ViewReader::Buffer buffer;
        // The largest group decides (a sorted g_idx may leave groups empty or unequal): pieces of whole groups
        // where every group fits the buffer, else bands of outputs group by group.
        const uint64_t groupBytes = std::max<uint64_t>(m_mostGroupRows, 1) * rowBytes;
        if (groupBytes <= ViewReader::Buffer::kBytes) {
            // A bufferful of whole groups in one read: a group split between two reads would cost its keys' rows
            // two rounds of additions (out of cache: 8 MiB of them).
            const uint64_t piece = ViewReader::Buffer::kBytes / groupBytes * groupBytes;
            for (uint64_t at = r0 * rowBytes; at < r1 * rowBytes; at += piece) {
                const uint64_t length = std::min(piece, r1 * rowBytes - at);
                const unsigned char* bytes = m_reader.read(at, length, buffer.data(), true);
                for (uint64_t row = at / rowBytes, end = row + length / rowBytes; row < end;) {
                    const uint64_t g = m_groupOf[static_cast<size_t>(row * 8)];
                    const uint64_t runEnd = std::min<uint64_t>(end, m_groupRowStart[g + 1]);
                    const auto [o0, o1] = columnsOf(g);
                    countGroup(g, o0, o1, bytes + (row - at / rowBytes) * rowBytes + 4 * o0, rowBytes, bufferRows,
                               static_cast<size_t>(runEnd - row), table, seen);
                    row = runEnd;
                }
            }
            return;
        }
        // Rows too wide for a group to fit: bands of outputs across all of a group's rows, a read per row. A
        // group of so many rows (per-channel scales) or a chunk of so few outputs that a row's read would be
        // shorter than a page is read in place: a read per row of a few hundred bytes costs more than the touch.
        for (uint64_t g = g0; g <= g1; ++g) {
            const auto [o0, o1] = columnsOf(g);
            const uint64_t firstRow = m_groupRowStart[g], rows = m_groupRowStart[g + 1] - firstRow;
            if (rows == 0)
                continue;
            const uint64_t band = ViewReader::Buffer::kBytes / (4 * rows) / kMaxNibbleColumns * kMaxNibbleColumns;
            if (4 * std::min(band, o1 - o0) < kMinBandRowBytes) {
                countGroup(g, o0, o1, m_qweight.data + 4 * o0, rowBytes, m_groupRows.data() + firstRow,
                           static_cast<size_t>(rows), table, seen);
                continue;
            }
            for (uint64_t o = o0; o < o1; o += band) {
                const uint64_t bandBytes = 4 * (std::min(o1, o + band) - o);
                for (uint64_t r = 0; r < rows; ++r)
                    m_reader.read((firstRow + r) * rowBytes + 4 * o, bandBytes, buffer.data() + r * bandBytes, true);
                countGroup(g, o, std::min(o1, o + band), buffer.data(), bandBytes, bufferRows,
                           static_cast<size_t>(rows), table, seen);
            }
        }
    }

    void keyValues(uint32_t key, float* values) const override
    {
        const auto scaleBits = static_cast<uint16_t>(key);
        // As StoredPart::scale() decodes a 16-bit scale; q - zero is a small integer, exact in float, so entry
        // q - zero + 2^bits has segmentValues()' value to the bit.
        const float scale = m_scales.dtype == DType::F16 ? decodeF16(scaleBits) : decodeBF16(scaleBits);
        for (int e = 0; e < (2 << m_bits); ++e)
            values[e] = static_cast<float>(e - (1 << m_bits)) * scale;
    }

    void segmentValues(uint64_t segment, float* values) const override
    {
        const uint64_t g = segment / m_out, o = segment % m_out;
        const float zero = static_cast<float>(static_cast<int>(streamBits(m_qzeros.data + g * m_zeroRowBytes,
                                                                          o * static_cast<uint64_t>(m_bits), m_bits)) +
                                              m_zeroAdd);
        const float scale = m_scales.scale(g * m_out + o);
        for (int q = 0; q < (1 << m_bits); ++q)
            values[q] = (static_cast<float>(q) - zero) * scale;
    }

private:
    static constexpr uint64_t kMinBandRowBytes = 4096; ///< the shortest row of a band worth a read of its own

    // Outputs [o0, o1) of group g over rowCount of its rows: the word of row k and output o at
    // words + rows[k] * stride + 4 * (o - o0). Rows of a mapping lie out * 4 bytes apart, mostly in the same L1 set,
    // but the counter reads each 64-byte piece of them once per eight codes and the rest come from L2: copying tiles
    // of them close together first, which paid with the slower compare counters, costs more than it saves with bit
    // planes.
    void countGroup(uint64_t g, uint64_t o0, uint64_t o1, const unsigned char* words, uint64_t stride,
                    const uint32_t* rows, size_t rowCount, uint32_t* table, uint8_t* seen) const
    {
        const size_t width = nibbleColumns();
        uint32_t keys[kMaxNibbleColumns], offsets[kMaxNibbleColumns];
        uint32_t columns[16 * kMaxNibbleColumns];
        uint64_t o = o0;
        for (; o + width <= o1; o += width) {
            segmentKeys(g * m_out + o, width, keys, offsets);
            countNibbleColumns(words + 4 * (o - o0), stride, rows, rowCount, width, columns);
            addColumns(width, keys, offsets, columns, table, seen);
        }
        for (; o < o1; ++o) {
            segmentKeys(g * m_out + o, 1, keys, offsets);
            seen[keys[0]] = 1;
            uint32_t* row = table + static_cast<size_t>(keys[0]) * 32 + offsets[0];
            for (size_t r = 0; r < rowCount; ++r) {
                uint32_t word;
                std::memcpy(&word, words + rows[r] * stride + 4 * (o - o0), 4);
                for (unsigned j = 0; j < 8; ++j)
                    ++row[(word >> (4 * j)) & 15u];
            }
        }
    }

    // int4 rows: 32 entries per key.
    static void addColumns(size_t width, const uint32_t* keys, const uint32_t* offsets, const uint32_t* columns,
                           uint32_t* table, uint8_t* seen)
    {
        for (size_t j = 0; j < width; ++j) {
            seen[keys[j]] = 1;
            uint32_t* row = table + static_cast<size_t>(keys[j]) * 32 + offsets[j];
            for (size_t code = 0; code < 16; ++code)
                row[code] += columns[j * 16 + code];
        }
    }

    // The common case, whole words and groups in input order: element k is code k % P of word k / P, and a word's
    // codes share one zero point and scale. No division per word: the word's output and row advance by counting.
    void decodeWords(uint64_t first, uint64_t count, float* out) const
    {
        const unsigned bits = static_cast<unsigned>(m_bits);
        const uint64_t perWord = 32 / bits;
        const uint32_t mask = (1u << bits) - 1u;
        const uint64_t end = first + count;
        uint64_t word = first / perWord;
        uint64_t row = word / m_out, o = word % m_out;
        for (uint64_t k = first; k < end; ++word) {
            const uint64_t g = m_groupOf[static_cast<size_t>(row * perWord)];
            const float zero = static_cast<float>(
                static_cast<int>(streamBits(m_qzeros.data + g * m_zeroRowBytes, o * bits, m_bits)) + m_zeroAdd);
            const float scale = m_scales.scale(g * m_out + o);
            const uint32_t codes = m_qweight.word(word);
            const uint64_t stop = std::min(end, (word + 1) * perWord);
            for (unsigned shift = static_cast<unsigned>(k % perWord) * bits; k < stop; ++k, shift += bits)
                *out++ = (static_cast<float>((codes >> shift) & mask) - zero) * scale;
            if (++o == m_out) {
                o = 0;
                ++row;
            }
        }
    }

    // The word rows of qweight holding each group's codes (a compressed list: rows of group g are
    // m_groupRows[m_groupRowStart[g]..m_groupRowStart[g + 1]]); act-order spreads a group over the rows.
    void listGroupRows(uint64_t perWord)
    {
        const size_t groups = static_cast<size_t>(m_scales.shape[0]);
        const uint64_t rows = m_in / perWord;
        m_groupRowStart.assign(groups + 1, 0);
        for (uint64_t r = 0; r < rows; ++r)
            ++m_groupRowStart[m_groupOf[static_cast<size_t>(r * perWord)] + 1];
        for (size_t g = 0; g < groups; ++g)
            m_groupRowStart[g + 1] += m_groupRowStart[g];
        m_groupRows.resize(static_cast<size_t>(rows));
        std::vector<uint32_t> next(m_groupRowStart.begin(), m_groupRowStart.end() - 1);
        for (uint64_t r = 0; r < rows; ++r)
            m_groupRows[next[m_groupOf[static_cast<size_t>(r * perWord)]]++] = static_cast<uint32_t>(r);
    }

    StoredPart m_qweight, m_qzeros, m_scales;
    std::vector<uint32_t> m_groupOf; ///< group of each input (g_idx, or i / group_size)
    std::vector<uint32_t> m_groupRowStart, m_groupRows;
    int m_bits;
    int m_zeroAdd;
    ViewReader m_reader; ///< qweight, read through the file where the mapping is cold (countCodesByKey)
    uint64_t m_out = 0, m_in = 0, m_zeroRowBytes = 0;
    bool m_groupsInOrder = true;
    bool m_rowsInOrder = false;   ///< m_groupRows lists every row in order (no act-order)
    uint64_t m_mostGroupRows = 0; ///< rows of the largest group
};

uint64_t ceilDiv(uint64_t a, uint64_t b)
{
    return (a + b - 1) / b;
}

} // namespace

void recogniseGptq(Recognition& r, std::string_view stem)
{
    const std::string name = std::string(stem) + ".weight";
    const std::optional<Recognition::Part> qweight = r.find(stem, ".qweight");
    const std::optional<Recognition::Part> qzeros = r.find(stem, ".qzeros");
    const std::optional<Recognition::Part> scales = r.find(stem, ".scales");
    const std::optional<Recognition::Part> gIdx = r.find(stem, ".g_idx");
    if (!qweight)
        return;
    for (const auto& [part, suffix] : {std::pair{&qzeros, ".qzeros"}, std::pair{&scales, ".scales"}})
        if (!*part)
            return r.missing(name, std::string(stem) + suffix, "GPTQ");
    const int bits = r.config().bits;
    if (bits != 2 && bits != 3 && bits != 4 && bits != 8)
        return r.problem(name, QStringLiteral("GPTQ weight '%1': the config declares %2 bits; 2, 3, 4 or 8 are "
                                              "read; its stored tensors are shown as they are")
                                   .arg(QString::fromStdString(name))
                                   .arg(bits));
    const TensorInfo& qw = *qweight->info;
    if ((qw.dtype != DType::I32 && qw.dtype != DType::U32) || qw.rank() != 2 || (qw.shape[0] * 32) % bits != 0)
        return r.misshapen(name, *qweight, QStringLiteral("I32 [in * %1 / 32, out]").arg(bits));
    const uint64_t in = qw.shape[0] * 32 / static_cast<uint64_t>(bits);
    const uint64_t out = qw.shape[1];
    const int group = r.config().groupSize;
    const uint64_t groups = group > 0 ? ceilDiv(in, static_cast<uint64_t>(group)) : 1;
    const uint64_t zeroWords = ceilDiv(out * static_cast<uint64_t>(bits), 32);
    const TensorInfo& s = *scales->info;
    if (!isScaleDType(s.dtype) || s.rank() != 2 || s.shape[0] != groups || s.shape[1] != out)
        return r.misshapen(name, *scales, QStringLiteral("F16 [%1, %2]").arg(groups).arg(out));
    const TensorInfo& z = *qzeros->info;
    if ((z.dtype != DType::I32 && z.dtype != DType::U32) || z.rank() != 2 || z.shape[0] != groups ||
        z.shape[1] != zeroWords)
        return r.misshapen(name, *qzeros, QStringLiteral("I32 [%1, %2]").arg(groups).arg(zeroWords));
    if (gIdx && (gIdx->info->dtype != DType::I32 || gIdx->info->rank() != 1 || gIdx->info->shape[0] != in))
        return r.misshapen(name, *gIdx, QStringLiteral("I32 [%1]").arg(in));
    LogicalTensor t;
    t.name = name;
    t.scheme = QuantScheme::Gptq;
    t.bits = bits;
    t.groupSize = group > 0 ? group : 0;
    t.shape = {out, in};
    t.variant = r.config().checkpointFormat == QLatin1String("gptq_v2") ? "gptq_v2" : "gptq";
    r.add(std::move(t),
          {{"qweight", &*qweight}, {"qzeros", &*qzeros}, {"scales", &*scales}, {"g_idx", gIdx ? &*gIdx : nullptr}});
}

DequantizerResult makeGptqDequantizer(const PartSource& parts, const LogicalTensor& tensor)
{
    Result<StoredPart> qweight = parts.find(tensor.part("qweight"));
    Result<StoredPart> qzeros = parts.find(tensor.part("qzeros"));
    Result<StoredPart> scales = parts.find(tensor.part("scales"));
    for (const Result<StoredPart>* p : {&qweight, &qzeros, &scales})
        if (!*p)
            return p->error();
    const uint64_t in = tensor.shape[1];
    const uint64_t groups = scales->shape[0];
    std::vector<uint32_t> groupOf(static_cast<size_t>(in));
    // Act-order checkpoints (desc_act) map inputs to groups out of order: g_idx says which. Without it the groups
    // are consecutive runs of group_size inputs.
    if (const std::string_view gName = tensor.part("g_idx"); !gName.empty()) {
        Result<StoredPart> gIdx = parts.find(gName);
        if (!gIdx)
            return gIdx.error();
        bool inRange = true;
        if (!SigbusGuard::runGuarded([&] {
                for (uint64_t i = 0; i < in; ++i) {
                    int32_t g;
                    std::memcpy(&g, gIdx->data + 4 * i, 4);
                    inRange = inRange && g >= 0 && static_cast<uint64_t>(g) < groups;
                    groupOf[static_cast<size_t>(i)] = inRange ? static_cast<uint32_t>(g) : 0;
                }
            }))
            return makeError(ErrorKind::FileChanged,
                             QStringLiteral("the file changed while '%1' was being read").arg(nameText(gName)),
                             gIdx->path, nameText(gName));
        if (!inRange)
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("'%1' names a group outside the %2 groups of '%3'")
                                 .arg(nameText(gName))
                                 .arg(groups)
                                 .arg(QString::fromStdString(tensor.name)),
                             gIdx->path, nameText(gName));
    } else {
        for (uint64_t i = 0; i < in; ++i)
            groupOf[static_cast<size_t>(i)] =
                tensor.groupSize > 0 ? static_cast<uint32_t>(i / static_cast<uint64_t>(tensor.groupSize)) : 0;
    }
    return std::unique_ptr<const Dequantizer>(
        new GptqDequantizer(tensor, std::move(*qweight), std::move(*qzeros), std::move(*scales), std::move(groupOf)));
}

} // namespace safescope
