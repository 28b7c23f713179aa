#include "ui/models/metadatabulkedit.h"

#include "core/edit/metadatarules.h"
#include "core/publish/trainingdata.h"
#include "ui/models/metadatamodel.h"

#include <QUndoStack>

#include <algorithm>

namespace safescope {

QStringList stripTrainingData(MetadataModel* model)
{
    const std::vector<std::string>& keys = trainingDataKeys();
    std::vector<int> rows;
    for (int row = 0; row < model->headerRowCount(); ++row) {
        if (std::find(keys.begin(), keys.end(), model->key(row).toStdString()) != keys.end())
            rows.push_back(row);
    }
    QStringList removed;
    if (rows.empty())
        return removed;
    model->undoStack()->beginMacro(QObject::tr("Remove training data"));
    // From the last row up, so the rows still to remove keep their numbers.
    for (auto row = rows.rbegin(); row != rows.rend(); ++row) {
        removed.prepend(model->key(*row));
        model->removeKey(*row);
    }
    model->undoStack()->endMacro();
    return removed;
}

QString applyMetadataTemplate(MetadataModel* model, const std::vector<MetadataEntry>& entries)
{
    if (Status valid = validateMetadata(entries); !valid)
        return valid.error().message;
    model->undoStack()->beginMacro(QObject::tr("Apply template"));
    for (const MetadataEntry& entry : entries) {
        const QString key = QString::fromStdString(entry.key);
        const QString value = QString::fromStdString(entry.value);
        int found = -1;
        for (int row = 0; row < model->headerRowCount() && found < 0; ++row) {
            if (model->key(row) == key)
                found = row;
        }
        const QString problem = found >= 0 ? model->setValue(found, value) : model->addKey(key, value);
        if (!problem.isEmpty()) {
            model->undoStack()->endMacro();
            model->undoStack()->undo(); // nothing half-applied stays behind
            return problem;
        }
    }
    model->undoStack()->endMacro();
    return {};
}

std::vector<MetadataEntry> templateKeysOf(const MetadataModel& model)
{
    static const QStringList perFile{QStringLiteral("modelspec.title"), QStringLiteral("modelspec.date"),
                                     QStringLiteral("modelspec.hash_sha256"), QStringLiteral("modelspec.thumbnail")};
    std::vector<MetadataEntry> entries;
    for (int row = 0; row < model.headerRowCount(); ++row) {
        const QString key = model.key(row);
        const bool general = (key.startsWith(QLatin1String("modelspec.")) && !perFile.contains(key)) ||
                             key.compare(QLatin1String("license"), Qt::CaseInsensitive) == 0 ||
                             key.compare(QLatin1String("author"), Qt::CaseInsensitive) == 0;
        if (general)
            entries.push_back({key.toStdString(), model.value(row).toStdString()});
    }
    return entries;
}

} // namespace safescope
