#pragma once

#include <QDialog>

#include <cstdint>

class QLabel;
class QPushButton;
class QSpinBox;

namespace safescope {

/// Edit > Remote Cache: how much disk the blocks of remote files take (core/remote/blockcache.h), the limit kept in
/// QSettings and applied to the process's cache at once, and a button to clear it. $SAFESCOPE_REMOTE_CACHE_BYTES,
/// when set, wins over the setting (the dialog then says so and changes nothing).
class RemoteCacheDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RemoteCacheDialog)

public:
    explicit RemoteCacheDialog(QWidget* parent = nullptr);
    ~RemoteCacheDialog() override;

    /// Applies the saved limit to the shared cache (at start-up); nothing when unset or when the environment rules.
    static void applySavedLimit();
    /// Saves `bytes` as the limit and applies it (unless the environment rules).
    static void saveLimit(uint64_t bytes);

    QSpinBox* limitBox() const { return m_limit; }
    QLabel* usageLabel() const { return m_usage; }
    QPushButton* clearButton() const { return m_clear; }

private:
    void updateUsage();

    QLabel* m_usage;
    QSpinBox* m_limit; ///< MiB
    QPushButton* m_clear;
};

} // namespace safescope
