#pragma once

#include <QObject>
#include <QStringList>

namespace safescope {

/// The most recently opened paths, newest first, kept in QSettings.
class RecentFiles final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RecentFiles)

public:
    static constexpr int kMaxCount = 10;

    explicit RecentFiles(QObject* parent = nullptr);
    ~RecentFiles() override;

    QStringList paths() const { return m_paths; }
    void add(const QString& path);
    void remove(const QString& path);
    void clear();

signals:
    void changed();

private:
    void save();

    QStringList m_paths;
};

} // namespace safescope
