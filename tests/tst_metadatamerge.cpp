// mergeMetadata: the three-way merge a save uses when the file changed on disk since it was read.
#include "core/edit/metadatamerge.h"

#include <QTest>

using namespace safescope;

namespace {

// "k=v,k2=v2" -> entries, in order ("" is no keys).
std::vector<MetadataEntry> entries(const char* text)
{
    std::vector<MetadataEntry> result;
    const QString all = QString::fromUtf8(text);
    if (all.isEmpty())
        return result;
    for (const QString& pair : all.split(u',')) {
        const qsizetype eq = pair.indexOf(u'=');
        result.push_back({pair.left(eq).toStdString(), pair.mid(eq + 1).toStdString()});
    }
    return result;
}

QString text(const std::vector<MetadataEntry>& list)
{
    QStringList pairs;
    for (const MetadataEntry& entry : list)
        pairs.append(QString::fromStdString(entry.key) + u'=' + QString::fromStdString(entry.value));
    return pairs.join(u',');
}

} // namespace

class TestMetadataMerge final : public QObject
{
    Q_OBJECT

private slots:
    void merge_data()
    {
        QTest::addColumn<QString>("base");
        QTest::addColumn<QString>("mine");
        QTest::addColumn<QString>("theirs");
        QTest::addColumn<QString>("keepTheirs"); // merged with MergePolicy::KeepTheirs
        QTest::addColumn<QString>("takeMine");   // merged with MergePolicy::TakeMine
        QTest::addColumn<QString>("conflicts");  // conflicting keys, comma-separated
        QTest::addColumn<QString>("changedOnDisk");

        // The defect: the user added a key, another program added another; both survive.
        QTest::newRow("both add different keys") << "format=pt"
                                                 << "format=pt,mine=1"
                                                 << "format=pt,external=changed"
                                                 << "format=pt,external=changed,mine=1"
                                                 << "format=pt,external=changed,mine=1"
                                                 << ""
                                                 << "external";
        QTest::newRow("untouched key takes the disk's value") << "format=pt,a=1"
                                                              << "format=pt,a=1,b=2"
                                                              << "format=pt,a=9"
                                                              << "format=pt,a=9,b=2"
                                                              << "format=pt,a=9,b=2"
                                                              << ""
                                                              << "a";
        QTest::newRow("disk removed an untouched key") << "a=1,b=2"
                                                       << "a=1,b=2,c=3"
                                                       << "b=2"
                                                       << "b=2,c=3"
                                                       << "b=2,c=3"
                                                       << ""
                                                       << "a";
        QTest::newRow("user's change applies over an unchanged key") << "a=1,b=2"
                                                                     << "a=5,b=2"
                                                                     << "a=1,b=2,x=y"
                                                                     << "a=5,b=2,x=y"
                                                                     << "a=5,b=2,x=y"
                                                                     << ""
                                                                     << "x";
        QTest::newRow("user removal applies") << "a=1,b=2"
                                              << "b=2"
                                              << "a=1,b=2,x=y"
                                              << "b=2,x=y"
                                              << "b=2,x=y"
                                              << ""
                                              << "x";
        QTest::newRow("rename applies as remove + add") << "a=1,b=2"
                                                        << "renamed=1,b=2"
                                                        << "a=1,b=3"
                                                        << "b=3,renamed=1"
                                                        << "b=3,renamed=1"
                                                        << ""
                                                        << "b";
        QTest::newRow("same change on both sides is no conflict") << "a=1"
                                                                  << "a=2"
                                                                  << "a=2"
                                                                  << "a=2"
                                                                  << "a=2"
                                                                  << ""
                                                                  << "a";
        QTest::newRow("both changed one key differently") << "a=1,b=2"
                                                          << "a=mine,b=2"
                                                          << "a=theirs,b=2"
                                                          << "a=theirs,b=2"
                                                          << "a=mine,b=2"
                                                          << "a"
                                                          << "a";
        QTest::newRow("both added one key differently") << ""
                                                        << "k=mine"
                                                        << "k=theirs"
                                                        << "k=theirs"
                                                        << "k=mine"
                                                        << "k"
                                                        << "k";
        QTest::newRow("user removed, disk changed") << "a=1,b=2"
                                                    << "b=2"
                                                    << "a=9,b=2"
                                                    << "a=9,b=2"
                                                    << "b=2"
                                                    << "a"
                                                    << "a";
        QTest::newRow("user changed, disk removed") << "a=1,b=2"
                                                    << "a=5,b=2"
                                                    << "b=2"
                                                    << "b=2"
                                                    << "b=2,a=5"
                                                    << "a"
                                                    << "a";
        QTest::newRow("nothing changed on disk: mine as is") << "a=1,b=2"
                                                             << "b=3,c=4"
                                                             << "a=1,b=2"
                                                             << "b=3,c=4"
                                                             << "b=3,c=4"
                                                             << ""
                                                             << "";
        QTest::newRow("user cleared everything, disk added") << "a=1"
                                                             << ""
                                                             << "a=1,n=2"
                                                             << "n=2"
                                                             << "n=2"
                                                             << ""
                                                             << "n";
    }

    void merge()
    {
        QFETCH(QString, base);
        QFETCH(QString, mine);
        QFETCH(QString, theirs);
        QFETCH(QString, keepTheirs);
        QFETCH(QString, takeMine);
        QFETCH(QString, conflicts);
        QFETCH(QString, changedOnDisk);
        const auto b = entries(base.toUtf8().constData());
        const auto m = entries(mine.toUtf8().constData());
        const auto t = entries(theirs.toUtf8().constData());

        const MetadataMerge kept = mergeMetadata(b, m, t, MergePolicy::KeepTheirs);
        QCOMPARE(text(kept.merged), keepTheirs);
        QCOMPARE(text(mergeMetadata(b, m, t, MergePolicy::TakeMine).merged), takeMine);
        QStringList keys;
        for (const MetadataConflict& conflict : kept.conflicts)
            keys.append(QString::fromStdString(conflict.key));
        QCOMPARE(keys.join(u','), conflicts);
        QStringList changed;
        for (const std::string& key : kept.changedOnDisk)
            changed.append(QString::fromStdString(key));
        QCOMPARE(changed.join(u','), changedOnDisk);
    }

    void conflictCarriesAllThreeValues()
    {
        const MetadataMerge merge = mergeMetadata(entries("a=1"), entries(""), entries("a=2"));
        QCOMPARE(merge.conflicts.size(), size_t(1));
        const MetadataConflict& conflict = merge.conflicts.front();
        QCOMPARE(conflict.key, std::string("a"));
        QCOMPARE(conflict.base, std::optional<std::string>("1"));
        QCOMPARE(conflict.mine, std::optional<std::string>());
        QCOMPARE(conflict.theirs, std::optional<std::string>("2"));
    }
};

QTEST_GUILESS_MAIN(TestMetadataMerge)
#include "tst_metadatamerge.moc"
