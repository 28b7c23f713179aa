#pragma once

#include "core/publish/claimedhashes.h"
#include "core/publish/filehashes.h"

#include <QWidget>

#include <memory>
#include <vector>

class QLabel;
class QProgressBar;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace safescope {

class LatestTask;
class MetadataModel;
class Model;

/// The Hashes section of the Overview: the file's SHA-256 (Hub LFS oid, Civitai AutoV2), the tensor data's SHA-256
/// (sshs_model_hash, modelspec.hash_sha256, Civitai AutoV3) and the legacy hash, each with a copy button; the
/// hashes the metadata claims, marked right or wrong; and an action staging corrected values as a normal, undoable
/// metadata edit. Hashing reads every byte, so it starts by itself only for small models or when the cache already
/// knows the files; otherwise the Compute button starts it, with progress and Cancel. A remote model shows the SHA-256
/// the Hub published at once, marked unverified; its Verify button streams every byte through the same hashers.
class HashesPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HashesPanel)

public:
    /// Models up to this size are hashed as soon as they are shown (a fraction of a second).
    static constexpr uint64_t kAutomaticBytes = uint64_t(256) << 20;

    explicit HashesPanel(QWidget* parent = nullptr);
    ~HashesPanel() override;

    void setModel(std::shared_ptr<const Model> model);
    /// Where the update action stages its edit; without it (or for a sharded model) the action is hidden.
    void setMetadataModel(MetadataModel* metadata);
    /// Reads the cache file from another place (tests).
    void setCacheFile(const QString& file) { m_cacheFile = file; }

    void compute();
    void cancel();
    /// A hashing pass is still at work (after cancel(), until it has noticed and let go of its reads).
    bool isHashing() const;
    /// Stages the corrected claimed hashes as one undoable edit; false when there is nothing to correct.
    bool updateClaimedHashes();

    QTreeWidget* table() const { return m_table; }
    QPushButton* computeButton() const { return m_compute; }
    QPushButton* updateButton() const { return m_update; }
    QLabel* statusLabel() const { return m_status; }
    const std::vector<FileHashes>& results() const { return m_results; }
    const std::vector<std::vector<ClaimedHash>>& claims() const { return m_claims; }

signals:
    /// Hashes are shown (computed or from the cache).
    void computed();

private:
    void showResults(std::vector<FileHashes> results);
    void showPublished(); ///< a remote model's published SHA-256 values, unverified
    void fitTable();
    void showError(const QString& message);
    void addRow(QTreeWidgetItem* parent, const QString& name, const QString& value, const QString& check = {},
                bool copy = true);
    void setRunning(bool running);
    std::vector<MetadataEntry> corrections() const;

    std::shared_ptr<const Model> m_model;
    bool m_remote = false; ///< m_model is read over the network: published hashes first, Verify streams the bytes
    MetadataModel* m_metadata = nullptr;
    QString m_cacheFile;
    LatestTask* m_task;
    QPushButton* m_compute;
    QPushButton* m_cancel;
    QPushButton* m_update;
    QProgressBar* m_progress;
    QLabel* m_status;
    QTreeWidget* m_table;
    std::vector<FileHashes> m_results;
    std::vector<std::vector<ClaimedHash>> m_claims;
};

} // namespace safescope
