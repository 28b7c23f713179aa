#include "ui/metadata/valueeditordialog.h"

#include "core/text/prettyjson.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QJsonDocument>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QVBoxLayout>

namespace safescope {

ValueEditorDialog::ValueEditorDialog(const QString& key, const QString& value, QWidget* parent)
    : QDialog(parent), m_edit(new QPlainTextEdit(this)), m_json(new QCheckBox(tr("Value is &JSON"), this)),
      m_status(new QLabel(this)), m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Edit \u201c%1\u201d").arg(key));
    m_edit->setObjectName(QStringLiteral("valueEditor"));
    m_edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_json->setToolTip(tr("Shown pretty-printed, checked, and saved back as compact JSON text"));
    const QString pretty = prettyJson(value);
    m_json->setChecked(!pretty.isEmpty());
    m_edit->setPlainText(pretty.isEmpty() ? value : pretty);
    m_status->setWordWrap(true);

    connect(m_edit, &QPlainTextEdit::textChanged, this, &ValueEditorDialog::check);
    connect(m_json, &QCheckBox::toggled, this, &ValueEditorDialog::check);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    // Enter makes a new line in the editor, so accepting takes Ctrl+Enter (either Enter key), as in most editors.
    for (const QKeySequence& keys : {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)}) {
        auto* accept = new QShortcut(keys, this);
        connect(accept, &QShortcut::activated, this, [this] {
            if (m_buttons->button(QDialogButtonBox::Ok)->isEnabled())
                QDialog::accept();
        });
    }
    m_buttons->button(QDialogButtonBox::Ok)->setToolTip(tr("Ctrl+Enter"));

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_edit, 1);
    layout->addWidget(m_json);
    layout->addWidget(m_status);
    layout->addWidget(m_buttons);
    resize(640, 480);
    check();
}

ValueEditorDialog::~ValueEditorDialog() = default;

bool ValueEditorDialog::isJsonMode() const
{
    return m_json->isChecked();
}

void ValueEditorDialog::setText(const QString& text)
{
    m_edit->setPlainText(text);
}

QString ValueEditorDialog::value() const
{
    return isJsonMode() ? compactJson(m_edit->toPlainText()) : m_edit->toPlainText();
}

QString ValueEditorDialog::compactJson(const QString& text, QString* error)
{
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8(), &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        if (error)
            *error = tr("Not valid JSON at character %1: %2").arg(parseError.offset).arg(parseError.errorString());
        return {};
    }
    if (document.isNull()) {
        if (error)
            *error = tr("JSON values here must be an object or an array.");
        return {};
    }
    return QString::fromUtf8(document.toJson(QJsonDocument::Compact));
}

void ValueEditorDialog::check()
{
    QString error;
    const bool ok = !isJsonMode() || !compactJson(m_edit->toPlainText(), &error).isEmpty();
    m_status->setText(ok ? (isJsonMode() ? tr("Valid JSON; it is stored compact.") : QString()) : error);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(ok);
}

} // namespace safescope
