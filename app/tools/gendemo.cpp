// safescope-gendemo OUT_PATH: writes the bundled demo checkpoint, a small decoder-style model, through the
// project's own writer. Deterministic (fixed seed, own normal sampler) so every build produces the same bytes.

#include "core/values/dtypecodec.h"
#include "core/export/writer.h"

#include <QCoreApplication>
#include <QTextStream>

#ifdef SAFESCOPE_GENDEMO_THUMBNAIL
#include <QBuffer>
#include <QImage>
#endif

#include <cmath>
#include <cstdint>
#include <cstring>
#include <deque>
#include <numbers>
#include <random>
#include <string>
#include <vector>

namespace safescope {
namespace {

constexpr uint64_t kHidden = 256;
constexpr uint64_t kIntermediate = 688;
constexpr uint64_t kVocab = 4096;
constexpr uint64_t kLayers = 4;
constexpr uint64_t kContext = 512;
constexpr uint64_t kTrainingSteps = 1200;

// std::normal_distribution differs between standard libraries; Box-Muller over mt19937 (whose output the
// standard fixes) keeps the file identical everywhere.
class NormalSampler final
{
public:
    explicit NormalSampler(uint32_t seed) : m_engine(seed) {}

    double next(double mean, double stddev)
    {
        if (m_hasSpare) {
            m_hasSpare = false;
            return mean + stddev * m_spare;
        }
        // (0, 1]: log(0) must not happen.
        const double u1 = (static_cast<double>(m_engine()) + 1.0) / 4294967296.0;
        const double u2 = static_cast<double>(m_engine()) / 4294967296.0;
        const double radius = std::sqrt(-2.0 * std::log(u1));
        m_spare = radius * std::sin(2.0 * std::numbers::pi * u2);
        m_hasSpare = true;
        return mean + stddev * radius * std::cos(2.0 * std::numbers::pi * u2);
    }

    uint32_t raw() { return m_engine(); }

private:
    std::mt19937 m_engine;
    double m_spare = 0.0;
    bool m_hasSpare = false;
};

// Owns the tensor bytes (a deque keeps earlier buffers in place while later ones are added) and the write list.
class DemoModel final
{
public:
    std::vector<float> normal(uint64_t count, double mean, double stddev)
    {
        std::vector<float> values(count);
        for (float& value : values)
            value = static_cast<float>(m_sampler.next(mean, stddev));
        return values;
    }

    void addBF16(const std::string& name, std::vector<uint64_t> shape, const std::vector<float>& values)
    {
        std::vector<unsigned char>& bytes = m_buffers.emplace_back(values.size() * 2);
        for (size_t i = 0; i < values.size(); ++i) {
            const uint16_t code = encodeBF16(values[i]);
            bytes[2 * i] = static_cast<unsigned char>(code & 0xFF); // little-endian, whatever the host
            bytes[2 * i + 1] = static_cast<unsigned char>(code >> 8);
        }
        m_tensors.push_back({name, DType::BF16, std::move(shape), bytes.data()});
    }

    void addF32(const std::string& name, std::vector<uint64_t> shape, const std::vector<float>& values)
    {
        std::vector<unsigned char>& bytes = m_buffers.emplace_back(values.size() * 4);
        for (size_t i = 0; i < values.size(); ++i) {
            uint32_t bits = 0;
            std::memcpy(&bits, &values[i], sizeof(bits));
            for (int b = 0; b < 4; ++b)
                bytes[4 * i + static_cast<size_t>(b)] = static_cast<unsigned char>(bits >> (8 * b));
        }
        m_tensors.push_back({name, DType::F32, std::move(shape), bytes.data()});
    }

    void addI64(const std::string& name, std::vector<uint64_t> shape, const std::vector<int64_t>& values)
    {
        std::vector<unsigned char>& bytes = m_buffers.emplace_back(values.size() * 8);
        for (size_t i = 0; i < values.size(); ++i) {
            const auto bits = static_cast<uint64_t>(values[i]);
            for (int b = 0; b < 8; ++b)
                bytes[8 * i + static_cast<size_t>(b)] = static_cast<unsigned char>(bits >> (8 * b));
        }
        m_tensors.push_back({name, DType::I64, std::move(shape), bytes.data()});
    }

    uint32_t randomBits() { return m_sampler.raw(); }
    std::vector<WriteTensor>& tensors() { return m_tensors; }

private:
    NormalSampler m_sampler{20240601};
    std::deque<std::vector<unsigned char>> m_buffers;
    std::vector<WriteTensor> m_tensors;
};

void buildModel(DemoModel& model)
{
    constexpr double kInitStd = 0.02;
    model.addBF16("model.embed_tokens.weight", {kVocab, kHidden}, model.normal(kVocab * kHidden, 0.0, kInitStd));
    for (uint64_t layer = 0; layer < kLayers; ++layer) {
        const std::string prefix = "model.layers." + std::to_string(layer) + '.';
        for (const char* proj : {"q_proj", "k_proj", "v_proj", "o_proj"}) {
            model.addBF16(prefix + "self_attn." + proj + ".weight", {kHidden, kHidden},
                          model.normal(kHidden * kHidden, 0.0, kInitStd));
        }
        model.addBF16(prefix + "mlp.gate_proj.weight", {kIntermediate, kHidden},
                      model.normal(kIntermediate * kHidden, 0.0, kInitStd));
        model.addBF16(prefix + "mlp.up_proj.weight", {kIntermediate, kHidden},
                      model.normal(kIntermediate * kHidden, 0.0, kInitStd));
        std::vector<float> down = model.normal(kHidden * kIntermediate, 0.0, kInitStd);
        if (layer == 2) {
            // A handful of large outliers, as trained LLMs have in their MLP outputs: gives the histogram and
            // the statistics pages something to find.
            for (int i = 0; i < 12; ++i) {
                const size_t index = model.randomBits() % down.size();
                const float magnitude = 2.0F + static_cast<float>(model.randomBits() % 1000) / 100.0F;
                down[index] = (i % 2 == 0) ? magnitude : -magnitude;
            }
        }
        model.addBF16(prefix + "mlp.down_proj.weight", {kHidden, kIntermediate}, down);
        model.addF32(prefix + "input_layernorm.weight", {kHidden}, model.normal(kHidden, 1.0, 0.05));
        model.addF32(prefix + "post_attention_layernorm.weight", {kHidden}, model.normal(kHidden, 1.0, 0.05));
    }
    model.addF32("model.norm.weight", {kHidden}, model.normal(kHidden, 1.0, 0.05));
    model.addBF16("lm_head.weight", {kVocab, kHidden}, model.normal(kVocab * kHidden, 0.0, kInitStd));

    // Rotary inverse frequencies exactly as transformers computes them: 1 / base^(2i / dim).
    std::vector<float> invFreq(kHidden / 2);
    for (size_t i = 0; i < invFreq.size(); ++i)
        invFreq[i] = static_cast<float>(1.0 / std::pow(10000.0, static_cast<double>(2 * i) / kHidden));
    model.addF32("model.layers.0.self_attn.rotary_emb.inv_freq", {kHidden / 2}, invFreq);

    // Integer buffers that real checkpoints carry along with the weights (one 0-rank).
    std::vector<int64_t> positions(kContext);
    for (size_t i = 0; i < positions.size(); ++i)
        positions[i] = static_cast<int64_t>(i);
    model.addI64("model.position_ids", {1, kContext}, positions);
    model.addI64("model.token_type_ids", {1, kContext}, std::vector<int64_t>(kContext, 0));
    model.addI64("model.num_batches_tracked", {}, {static_cast<int64_t>(kTrainingSteps)});
}

#ifdef SAFESCOPE_GENDEMO_THUMBNAIL
std::string thumbnailDataUri()
{
    QImage image(64, 64, QImage::Format_RGB32);
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x)
            image.setPixel(x, y, qRgb(40 + x * 3, 60 + y * 2, 200 - (x + y)));
    }
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    if (!image.save(&buffer, "PNG"))
        return {};
    return "data:image/png;base64," + png.toBase64().toStdString();
}
#endif

WriteOptions demoMetadata()
{
    WriteOptions options;
    options.metadataState = MetadataState::Object;
    options.metadata = {
        {"format", "pt"},
        {"modelspec.title", "SafeScope demo decoder"},
        {"modelspec.architecture", "llama"},
        {"training_info", R"({"steps": 1200, "lr": 3e-4, "batch_size": 64, "precision": "bf16", )"
                          R"("datasets": ["tinystories-v2", "wikitext-103"], )"
                          R"("optimizer": {"name": "adamw", "betas": [0.9, 0.95], "eps": 1e-8, "weight_decay": 0.1}, )"
                          R"("schedule": {"warmup_steps": 100, "decay": "cosine"}})"},
    };
#ifdef SAFESCOPE_GENDEMO_THUMBNAIL
    if (std::string uri = thumbnailDataUri(); !uri.empty())
        options.metadata.push_back({"modelspec.thumbnail", std::move(uri)});
#endif
    return options;
}

} // namespace
} // namespace safescope

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QTextStream err(stderr);
    const QStringList args = QCoreApplication::arguments();
    if (args.size() != 2) {
        err << "usage: safescope-gendemo OUT_PATH\n";
        return 2;
    }
    safescope::DemoModel model;
    safescope::buildModel(model);
    const safescope::Status status =
        safescope::writeSafetensors(args.at(1), std::move(model.tensors()), safescope::demoMetadata());
    if (!status) {
        err << "safescope-gendemo: " << status.error().describe() << '\n';
        return 1;
    }
    return 0;
}
