#include "ui/diff/diffpairpanel.h"

#include "core/diff/pairhistograms.h"
#include "core/remote/diffsidevalues.h"
#include "core/remote/tensorbytes.h"
#include "core/text/format.h"
#include "ui/diff/diffslicepanel.h"
#include "ui/plots/histogramplot.h"
#include "ui/plots/overlayhistogramplot.h"
#include "ui/window/latesttask.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QTabWidget>
#include <QVBoxLayout>

namespace safescope {

DiffPairPanel::DiffPairPanel(QWidget* parent)
    : QWidget(parent), m_title(new QLabel(this)), m_overlay(new OverlayHistogramPlot(this)),
      m_delta(new HistogramPlot(this)), m_slice(new DiffSlicePanel(this)), m_tabs(new QTabWidget(this)),
      m_task(new LatestTask(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_title->setObjectName(QStringLiteral("diffPairTitle"));
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_title->setWordWrap(true);
    layout->addWidget(m_title);
    auto* histograms = new QWidget(this);
    auto* plots = new QHBoxLayout(histograms);
    plots->setContentsMargins(0, 0, 0, 0);
    plots->addWidget(m_overlay, 1);
    plots->addWidget(m_delta, 1);
    m_tabs->setObjectName(QStringLiteral("diffPairTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(histograms, tr("Histo&grams"));
    m_tabs->addTab(m_slice, tr("\u0394 &Slice"));
    layout->addWidget(m_tabs, 1);
    clear();
}

DiffPairPanel::~DiffPairPanel() = default;

void DiffPairPanel::setModels(const std::shared_ptr<const Model>& a, const std::shared_ptr<const Model>& b,
                              const std::shared_ptr<const QuantCatalog>& quantA,
                              const std::shared_ptr<const QuantCatalog>& quantB)
{
    m_task->cancel();
    m_a = a;
    m_b = b;
    m_quantA = quantA;
    m_quantB = quantB;
    m_slice->setModels(a, b, quantA, quantB);
}

void DiffPairPanel::showSlice(bool slice)
{
    m_tabs->setCurrentWidget(slice ? static_cast<QWidget*>(m_slice) : m_tabs->widget(0));
}

bool DiffPairPanel::isComputing() const
{
    return m_task->isRunning();
}

void DiffPairPanel::clear()
{
    m_task->cancel();
    m_title->setText(tr("Select a tensor pair to compare its values."));
    m_overlay->clear();
    m_delta->clear();
    m_slice->clear();
}

void DiffPairPanel::showPair(const TensorDiff& diff)
{
    QString text =
        QStringLiteral("<b>%1</b> \u2014 %2")
            .arg(QString::fromStdString(diff.name).toHtmlEscaped(), QString::fromLatin1(diffStatusName(diff.status)));
    if (const auto& m = diff.metrics) {
        text += tr(" \u00b7 max |\u0394| %1 at %2 \u00b7 rel. L2 %3 \u00b7 cosine %4 \u00b7 %5 beyond tolerance")
                    .arg(QString::number(m->maxAbs, 'g', 4), format::shape(m->maxAbsPosition),
                         QString::number(m->relL2, 'g', 4), QString::number(m->cosine, 'f', 6),
                         format::count(m->beyondTolerance));
    }
    m_title->setText(text);
    m_slice->showPair(diff);
    if (!m_a || !m_b) {
        m_overlay->clear(tr("Models not open"));
        m_delta->clear();
        return;
    }
    // The models are shared with the worker, so their mappings outlive a superseded job. A remote side's tensor is
    // fetched in the worker (TensorBytes), never read from an absent mapping; a quantized weight is dequantized as
    // it is sampled, never binned as its stored codes.
    m_overlay->clear(tr("Computing\u2026"));
    m_delta->clear(tr("Computing\u2026"));
    m_task->start([this, diff, keepA = m_a, keepB = m_b, quantA = m_quantA,
                   quantB = m_quantB](const std::atomic_bool& cancel, const LatestTask::Post& post) {
        Result<PairHistograms::Side> a = diffside::histogramSide(keepA, quantA.get(), diff, true, cancel);
        Result<PairHistograms::Side> b = a ? diffside::histogramSide(keepB, quantB.get(), diff, false, cancel)
                                           : Result<PairHistograms::Side>(a.error());
        // A pair compared transposed (gpt-oss MXFP4 experts) has no element-wise delta by position.
        const bool sameShape = diff.indexA && diff.indexB && diff.shapeA == diff.shapeB && !diff.transposed;
        auto result = !a   ? Result<PairHistograms>(a.error())
                      : !b ? Result<PairHistograms>(b.error())
                           : PairHistograms::compute(*a, *b, sameShape, 128, kSampleCap, cancel);
        if (!result && result.error().kind == ErrorKind::Cancelled)
            return;
        post([this, result = std::move(result), transposed = diff.transposed] {
            if (!result) {
                m_overlay->clear(result.error().message);
                m_delta->clear(result.error().message);
                return;
            }
            const QString note =
                result->isSample ? tr("sample of %1 elements").arg(format::count(result->sampled)) : QString();
            m_overlay->setHistograms(result->a, result->b,
                                     tr("Values of A and B") +
                                         (note.isEmpty() ? QString() : QStringLiteral(" (") + note + QLatin1Char(')')));
            if (result->delta.edges.empty() && transposed)
                m_delta->clear(tr("No \u0394 by position: compared transposed")); // the Δ Slice tab says why
            else if (result->delta.edges.empty())
                m_delta->clear(tr("No \u0394: the shapes differ or a side is missing"));
            else
                m_delta->setHistogram(result->delta, note.isEmpty() ? tr("\u0394 = A \u2212 B") : note);
            emit histogramsShown();
        });
    });
}

} // namespace safescope
