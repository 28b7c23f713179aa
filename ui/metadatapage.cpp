#include "ui/metadatapage.h"

#include "ui/models/metadatamodel.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QFontDatabase>
#include <QHeaderView>
#include <QImage>
#include <QJsonDocument>
#include <QLabel>
#include <QMenu>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace safescope {

MetadataPage::MetadataPage(QWidget* parent)
    : QWidget(parent), m_model(new MetadataModel(this)), m_table(new QTableView), m_empty(new QLabel(this)),
      m_detail(new QStackedWidget), m_text(new QPlainTextEdit), m_imageArea(new QScrollArea), m_image(new QLabel)
{
    m_table->setObjectName(QStringLiteral("metadataTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);

    auto* copyRow = new QAction(tr("&Copy"), m_table);
    copyRow->setShortcut(QKeySequence::Copy);
    copyRow->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    auto* copyKey = new QAction(tr("Copy &Key"), m_table);
    auto* copyValue = new QAction(tr("Copy &Value"), m_table);
    connect(copyRow, &QAction::triggered, this, [this] { copy(true, true); });
    connect(copyKey, &QAction::triggered, this, [this] { copy(true, false); });
    connect(copyValue, &QAction::triggered, this, [this] { copy(false, true); });
    m_table->addActions({copyRow, copyKey, copyValue});

    m_text->setReadOnly(true);
    m_text->setObjectName(QStringLiteral("metadataValue"));
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_text->setPlaceholderText(tr("Select a key to see its whole value."));
    m_image->setAlignment(Qt::AlignCenter);
    m_imageArea->setWidget(m_image);
    m_imageArea->setWidgetResizable(true);
    m_detail->addWidget(m_text);
    m_detail->addWidget(m_imageArea);

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_table);
    splitter->addWidget(m_detail);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setForegroundRole(QPalette::PlaceholderText);
    m_empty->hide();

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_empty);
    layout->addWidget(splitter, 1);

    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) { showRow(current.row()); });
}

MetadataPage::~MetadataPage() = default;

void MetadataPage::setModel(const Model& model)
{
    m_model->setMetadata(model.metadata(), model.indexMetadata());
    m_table->resizeColumnToContents(MetadataModel::KeyColumn);
    m_table->setColumnWidth(MetadataModel::KeyColumn, std::min(m_table->columnWidth(MetadataModel::KeyColumn), 320));
    const bool empty = m_model->rowCount() == 0;
    if (empty) {
        m_empty->setText(model.metadataState() == MetadataState::Null
                             ? tr("The header's __metadata__ is null: this file carries no metadata.")
                             : tr("This file has no __metadata__."));
    }
    m_empty->setVisible(empty);
    if (!empty)
        m_table->selectRow(0);
    else
        showRow(-1);
}

bool MetadataPage::selectKey(const QString& key)
{
    for (int row = 0; row < m_model->rowCount(); ++row) {
        if (m_model->key(row) == key) {
            m_table->selectRow(row);
            return true;
        }
    }
    return false;
}

QString MetadataPage::prettyJson(const QString& value)
{
    const QString trimmed = value.trimmed();
    if (!trimmed.startsWith(u'{') && !trimmed.startsWith(u'['))
        return {};
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(trimmed.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError)
        return {};
    return QString::fromUtf8(document.toJson(QJsonDocument::Indented));
}

void MetadataPage::showRow(int row)
{
    const QString value = m_model->value(row);
    static const QLatin1StringView imagePrefix("data:image/");
    const qsizetype base64 = value.indexOf(QLatin1StringView(";base64,"));
    if (value.startsWith(imagePrefix) && base64 > 0) {
        QImage image;
        if (image.loadFromData(QByteArray::fromBase64(value.mid(base64 + 8).toLatin1()))) {
            m_image->setPixmap(QPixmap::fromImage(image));
            m_image->setToolTip(tr("%1 \u00d7 %2 image").arg(image.width()).arg(image.height()));
            m_detail->setCurrentWidget(m_imageArea);
            return;
        }
    }
    const QString pretty = prettyJson(value);
    m_text->setPlainText(pretty.isEmpty() ? value : pretty);
    m_detail->setCurrentWidget(m_text);
}

void MetadataPage::copy(bool key, bool value)
{
    const int row = m_table->currentIndex().row();
    if (row < 0)
        return;
    QString text;
    if (key && value)
        text = m_model->key(row) + QStringLiteral(": ") + m_model->value(row);
    else
        text = key ? m_model->key(row) : m_model->value(row);
    QApplication::clipboard()->setText(text);
}

QString MetadataPage::detailText() const
{
    return isShowingImage() ? QString() : m_text->toPlainText();
}

bool MetadataPage::isShowingImage() const
{
    return m_detail->currentWidget() == m_imageArea;
}

} // namespace safescope
