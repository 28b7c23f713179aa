#pragma once

#include "core/format/header.h"

#include <QWidget>

class QFormLayout;
class QLabel;
class QTextBrowser;

namespace safescope {

/// A ModelSpec (modelspec.*) card: the thumbnail as an image, title, architecture, implementation, author, license,
/// date, resolution and trigger phrase, the description rendered from Markdown, and the MUST keys the file lacks.
class ModelSpecCard final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelSpecCard)

public:
    explicit ModelSpecCard(QWidget* parent = nullptr);
    ~ModelSpecCard() override;

    void setMetadata(const std::vector<MetadataEntry>& metadata);

    bool hasThumbnail() const;
    QString fieldText(const QString& label) const; ///< the value shown beside `label` ("Title"), or empty
    QTextBrowser* description() const { return m_description; }
    QString problemsText() const;

private:
    QLabel* m_thumbnail;
    QLabel* m_problems;
    QFormLayout* m_fields;
    QTextBrowser* m_description;
};

} // namespace safescope
