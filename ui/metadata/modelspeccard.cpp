#include "ui/metadata/modelspeccard.h"

#include "core/publish/modelspec.h"

#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPixmap>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace safescope {

ModelSpecCard::ModelSpecCard(QWidget* parent)
    : QWidget(parent), m_thumbnail(new QLabel(this)), m_problems(new QLabel(this)), m_fields(new QFormLayout),
      m_description(new QTextBrowser(this))
{
    m_thumbnail->setObjectName(QStringLiteral("modelSpecThumbnail"));
    m_thumbnail->setFixedSize(192, 192);
    m_thumbnail->setAlignment(Qt::AlignCenter);
    m_thumbnail->setFrameShape(QFrame::StyledPanel);
    m_problems->setObjectName(QStringLiteral("modelSpecProblems"));
    m_problems->setWordWrap(true);
    m_problems->setAutoFillBackground(true);
    m_problems->setBackgroundRole(QPalette::ToolTipBase);
    m_problems->setForegroundRole(QPalette::ToolTipText);
    m_problems->setContentsMargins(8, 4, 8, 4);
    m_description->setObjectName(QStringLiteral("modelSpecDescription"));
    m_description->setOpenExternalLinks(true);
    m_fields->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    auto* top = new QHBoxLayout;
    top->addWidget(m_thumbnail, 0, Qt::AlignTop);
    top->addLayout(m_fields, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_problems);
    layout->addLayout(top);
    layout->addWidget(m_description, 1);
}

ModelSpecCard::~ModelSpecCard() = default;

void ModelSpecCard::setMetadata(const std::vector<MetadataEntry>& metadata)
{
    const ModelSpec spec = parseModelSpec(metadata);
    while (m_fields->rowCount() > 0)
        m_fields->removeRow(0);
    const std::pair<QString, std::string> fields[] = {
        {tr("Title"), spec.title},
        {tr("Architecture"), spec.architecture},
        {tr("Implementation"), spec.implementation},
        {tr("Author"), spec.author},
        {tr("License"), spec.license},
        {tr("Date"), spec.date},
        {tr("Resolution"), spec.resolution},
        {tr("Trigger phrase"), spec.triggerPhrase},
        {tr("Usage hint"), spec.usageHint},
        {tr("Spec version"), spec.version},
    };
    for (const auto& [label, value] : fields) {
        if (value.empty())
            continue;
        auto* text = new QLabel(QString::fromStdString(value), this);
        text->setObjectName(label);
        text->setTextInteractionFlags(Qt::TextSelectableByMouse);
        text->setWordWrap(true);
        m_fields->addRow(label + QLatin1Char(':'), text);
    }
    QPixmap picture;
    if (!spec.thumbnailBytes.isEmpty() && picture.loadFromData(spec.thumbnailBytes)) {
        m_thumbnail->setPixmap(picture.scaled(m_thumbnail->size(), Qt::KeepAspectRatio, Qt::SmoothTransformation));
    } else {
        m_thumbnail->setPixmap({});
        m_thumbnail->setText(spec.thumbnail.empty() ? tr("No thumbnail") : tr("Thumbnail unreadable"));
    }
    // The spec encourages Markdown in the description and UIs to render it.
    m_description->setMarkdown(QString::fromStdString(spec.description));
    QStringList problems;
    if (!spec.present)
        problems.push_back(tr("This file has no ModelSpec (modelspec.*) keys."));
    for (const std::string& key : spec.missingRequired)
        problems.push_back(tr("Missing %1, which the spec requires.").arg(QString::fromStdString(key)));
    for (const std::string& problem : spec.problems)
        problems.push_back(QString::fromStdString(problem));
    m_problems->setText(problems.join(QLatin1Char('\n')));
    m_problems->setVisible(!problems.isEmpty());
}

bool ModelSpecCard::hasThumbnail() const
{
    return !m_thumbnail->pixmap().isNull();
}

QString ModelSpecCard::fieldText(const QString& label) const
{
    const auto* text = findChild<QLabel*>(label);
    return text ? text->text() : QString();
}

QString ModelSpecCard::problemsText() const
{
    return m_problems->text();
}

} // namespace safescope
