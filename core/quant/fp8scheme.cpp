// FP8 weights with scales. Two layouts:
// - DeepSeek-V3 block scales: `X.weight_scale_inv` [ceil(out/b0), ceil(in/b1)], value w * s[i/b0, j/b1], partial edge
//   blocks at the right and bottom. Reference: deepseek-ai/DeepSeek-V3 inference/kernel.py, weight_dequant_kernel
//   (offs_m // BLOCK, offs_n // BLOCK over cdiv(M, BLOCK) x cdiv(N, BLOCK) scales) and fp8_cast_bf16.py.
// - compressed-tensors / ModelOpt FP8: `X.weight_scale` per tensor ([] or [1]), per channel ([out, 1] or [out]),
//   per group ([out, in/g]) or per block (strategy "block", block_structure). Reference: vllm-project/
//   compressed-tensors src/compressed_tensors/quantization/lifecycle/forward.py, dequantize() (x * scale, scales
//   broadcast per tensor, channel, group or block).
#include "core/format/model.h"
#include "core/io/viewreader.h"
#include "core/quant/blocksegments.h"
#include "core/quant/dequantizer.h"
#include "core/quant/recognition.h"
#include "core/quant/schemes.h"
#include "core/quant/storedpart.h"

#include <array>
#include <optional>

namespace safescope {

namespace {

bool isF8(DType dtype)
{
    return dtype == DType::F8_E4M3 || dtype == DType::F8_E5M2;
}

uint64_t ceilDiv(uint64_t a, uint64_t b)
{
    return (a + b - 1) / b;
}

// Any rank: the leading dimensions fold into rows, as the reference kernels see a 2-D weight.
void rowsCols(const TensorInfo& info, uint64_t& rows, uint64_t& cols)
{
    cols = info.shape.empty() ? 1 : info.shape.back();
    rows = cols ? info.elementCount / cols : 0;
}

LogicalTensor fp8Tensor(const Recognition::Part& weight, const char* variant)
{
    LogicalTensor t;
    t.name = std::string(weight.name);
    t.scheme = QuantScheme::Fp8;
    t.bits = 8;
    t.shape.assign(weight.info->shape.begin(), weight.info->shape.end());
    t.variant = variant;
    t.codeType = weight.info->dtype == DType::F8_E4M3 ? "e4m3" : "e5m2";
    return t;
}

// Every layout is a grid of scales, each covering blockRows x blockCols of the weight.
class Fp8Dequantizer final : public Dequantizer
{
public:
    Fp8Dequantizer(const LogicalTensor& t, StoredPart weight, StoredPart scale, uint64_t blockRows, uint64_t blockCols)
        : Dequantizer(t, weight.path), m_weight(std::move(weight)), m_scale(std::move(scale)), m_blockRows(blockRows),
          m_blockCols(blockCols), m_segments(rowsOf(m_weight), colsOf(m_weight), blockRows, blockCols),
          m_reader(readerOf(m_weight))
    {
        m_cols = colsOf(m_weight);
        m_scaleCols = ceilDiv(m_cols, m_blockCols);
        for (int code = 0; code < 256; ++code)
            m_lut[static_cast<size_t>(code)] = decodeF8(m_weight.dtype, static_cast<uint8_t>(code));
    }

    void decode(uint64_t first, uint64_t count, float* out) const override
    {
        uint64_t row = first / m_cols;
        uint64_t col = first % m_cols;
        const uint64_t end = first + count;
        for (uint64_t e = first; e < end;) {
            // One run within a row and a scale block: one scale, a straight table lookup per element.
            const uint64_t blockEnd = std::min((col / m_blockCols + 1) * m_blockCols, m_cols);
            const uint64_t run = std::min(blockEnd - col, end - e);
            const float s = m_scale.scale((row / m_blockRows) * m_scaleCols + col / m_blockCols);
            const unsigned char* codes = m_weight.data + e;
            for (uint64_t k = 0; k < run; ++k)
                out[k] = m_lut[codes[k]] * s;
            out += run;
            e += run;
            col += run;
            if (col == m_cols) {
                col = 0;
                ++row;
            }
        }
    }

    // Statistics count the 256 codes of each piece of a scale block: the block's values are those 256 codes
    // times its scale, so a weight's statistics cost a byte count per element instead of float work.
    CodeLayout codeLayout() const override
    {
        CodeLayout layout{256, m_segments.count(), m_segments.elementsEach()};
        layout.segmentsPerRow = m_segments.rowSegments();
        return layout;
    }

    void countCodes(uint64_t first, uint64_t count, uint16_t* counts) const override
    {
        m_segments.countBytes(m_weight.data, first, count, counts, &m_reader);
    }

    void segmentValues(uint64_t segment, float* values) const override
    {
        const float s = m_scale.scale(m_segments.blockOf(segment));
        for (size_t code = 0; code < 256; ++code)
            values[code] = m_lut[code] * s; // as decode() computes it: the same float product
    }

private:
    static uint64_t colsOf(const StoredPart& weight) { return weight.shape.empty() ? 1 : weight.shape.back(); }
    static uint64_t rowsOf(const StoredPart& weight)
    {
        const uint64_t cols = colsOf(weight);
        return cols ? weight.elementCount / cols : 0;
    }

    StoredPart m_weight;
    StoredPart m_scale;
    uint64_t m_blockRows;
    uint64_t m_blockCols;
    BlockSegments m_segments;
    ViewReader m_reader; ///< the weight's codes, read through the file where the mapping is cold (countBytes)
    uint64_t m_cols = 1;
    uint64_t m_scaleCols = 1;
    std::array<float, 256> m_lut{};
};

} // namespace

void recogniseFp8Block(Recognition& r, std::string_view stem)
{
    const std::optional<Recognition::Part> weight = r.find(stem, ".weight");
    const std::optional<Recognition::Part> scale = r.find(stem, ".weight_scale_inv");
    // The logical name is the weight's own, spelled out here only for a problem: this runs for every weight of a
    // DeepSeek-sized index, where building it up front was a tenth of recognising a weight.
    const auto name = [stem] { return std::string(stem) + ".weight"; };
    if (!weight)
        return r.missing(name(), name(), "FP8");
    if (!scale)
        return;
    if (!isF8(weight->info->dtype) || weight->info->rank() != 2)
        return r.misshapen(name(), *weight, QStringLiteral("an F8_E4M3 or F8_E5M2 matrix"));
    const std::vector<int>& block = r.config().weightBlockSize;
    if (block.size() != 2)
        return r.problem(name(), QStringLiteral("FP8 weight '%1' has block scales but the config declares no "
                                                "weight_block_size; its stored tensors are shown as they are")
                                     .arg(QString::fromStdString(name())));
    const uint64_t b0 = static_cast<uint64_t>(block[0]), b1 = static_cast<uint64_t>(block[1]);
    const uint64_t rows = weight->info->shape[0], cols = weight->info->shape[1];
    const uint64_t expected[2] = {ceilDiv(rows, b0), ceilDiv(cols, b1)};
    if (!isScaleDType(scale->info->dtype) || scale->info->rank() != 2 || scale->info->shape[0] != expected[0] ||
        scale->info->shape[1] != expected[1])
        return r.misshapen(name(), *scale,
                           QStringLiteral("F32 %1 (blocks of %2x%3)").arg(shapeText(expected)).arg(b0).arg(b1));
    LogicalTensor t = fp8Tensor(*weight, "block");
    t.block = {b0, b1};
    r.add(std::move(t), {{"weight", &*weight}, {"scale_inv", &*scale}});
}

void recogniseFp8Scaled(Recognition& r, std::string_view stem)
{
    const std::string name = std::string(stem) + ".weight";
    const std::optional<Recognition::Part> weight = r.find(name);
    const std::optional<Recognition::Part> scale = r.find(stem, ".weight_scale");
    if (!scale)
        return;
    // compressed-tensors' integer and NVFP4 layouts ("pack-quantized") keep the codes in `X.weight_packed`.
    if (!weight && r.model().find(std::string(stem) + ".weight_packed"))
        return r.problem(name, QStringLiteral("'%1' is stored in compressed-tensors' pack-quantized layout, which is "
                                              "not read yet; its stored tensors are shown as they are")
                                   .arg(QString::fromStdString(name)));
    if (!weight)
        return r.missing(name, name, "FP8");
    if (!isF8(weight->info->dtype))
        return; // an integer layout this reader does not know: leave it alone
    uint64_t rows = 0, cols = 0;
    rowsCols(*weight->info, rows, cols);
    const TensorInfo& s = *scale->info;
    const std::optional<Recognition::Part> input = r.find(stem, ".input_scale");
    LogicalTensor t = fp8Tensor(*weight, "tensor");
    if (!isScaleDType(s.dtype))
        return r.misshapen(name, *scale, QStringLiteral("F32, F16 or BF16"));
    if (s.elementCount == 1) {
        t.variant = "tensor";
    } else if ((s.rank() == 2 && s.shape[0] == rows && s.shape[1] == 1) || (s.rank() == 1 && s.shape[0] == rows)) {
        t.variant = "channel";
    } else if (s.rank() == 2 && r.config().weightBlockSize.size() == 2 &&
               s.shape[0] == ceilDiv(rows, static_cast<uint64_t>(r.config().weightBlockSize[0])) &&
               s.shape[1] == ceilDiv(cols, static_cast<uint64_t>(r.config().weightBlockSize[1]))) {
        t.variant = "block";
        t.block = {static_cast<uint64_t>(r.config().weightBlockSize[0]),
                   static_cast<uint64_t>(r.config().weightBlockSize[1])};
    } else if (s.rank() == 2 && s.shape[0] == rows && r.config().groupSize > 0 &&
               s.shape[1] == ceilDiv(cols, static_cast<uint64_t>(r.config().groupSize))) {
        t.variant = "group";
        t.groupSize = r.config().groupSize;
    } else {
        return r.misshapen(
            name, *scale, QStringLiteral("one scale, one per row [%1, 1], or the config's blocks or groups").arg(rows));
    }
    r.add(std::move(t), {{"weight", &*weight}, {"weight_scale", &*scale}, {"input_scale", input ? &*input : nullptr}});
}

DequantizerResult makeFp8Dequantizer(const PartSource& parts, const LogicalTensor& tensor)
{
    Result<StoredPart> weight = parts.find(tensor.part("weight"));
    const std::string_view scaleName = tensor.variant == "block" && !tensor.part("scale_inv").empty()
                                           ? tensor.part("scale_inv")
                                           : tensor.part("weight_scale");
    Result<StoredPart> scale = parts.find(scaleName);
    if (!weight)
        return weight.error();
    if (!scale)
        return scale.error();
    const uint64_t cols = weight->shape.empty() ? 1 : weight->shape.back();
    const uint64_t rows = cols ? weight->elementCount / cols : 0;
    uint64_t blockRows = std::max<uint64_t>(rows, 1), blockCols = std::max<uint64_t>(cols, 1);
    if (tensor.variant == "channel")
        blockRows = 1;
    else if (tensor.variant == "block")
        blockRows = tensor.block[0], blockCols = tensor.block[1];
    else if (tensor.variant == "group")
        blockRows = 1, blockCols = static_cast<uint64_t>(tensor.groupSize);
    blockRows = std::max<uint64_t>(blockRows, 1);
    blockCols = std::max<uint64_t>(blockCols, 1);
    // Recognition checked these shapes on the tensors it looked at; the parts read here are looked up by name
    // again, so a catalog that does not fit them (made for another model) must fail, never read past a part.
    const uint64_t scales = tensor.variant == "tensor" ? 1 : ceilDiv(rows, blockRows) * ceilDiv(cols, blockCols);
    if (weight->elementCount != tensor.elementCount || scale->elementCount != scales)
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("FP8 weight '%1' does not fit its parts: %2 codes and %3 scales, expected %4 "
                                        "and %5")
                             .arg(QString::fromStdString(tensor.name))
                             .arg(weight->elementCount)
                             .arg(scale->elementCount)
                             .arg(tensor.elementCount)
                             .arg(scales),
                         weight->path, QString::fromStdString(tensor.name));
    return std::unique_ptr<const Dequantizer>(
        new Fp8Dequantizer(tensor, std::move(*weight), std::move(*scale), blockRows, blockCols));
}

} // namespace safescope
