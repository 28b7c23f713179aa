#include "ui/modelloader.h"

#include "core/headernamescan.h"
#include "core/headerparser.h"
#include "core/posixfile.h"
#include "ui/allocatortuning.h"
#include "ui/heapprewarm.h"

#include <QFutureWatcher>
#include <QtConcurrent>
#include <QtEndian>

#include <exception>
#include <fcntl.h>
#include <future>
#include <system_error>

namespace safescope {

namespace {

// N from a single file's length field; 0 for folders, indexes, files too short for their claim and lengths the
// parser refuses anyway.
size_t headerLengthOf(const QString& path)
{
    auto file = PosixFile::open(path, O_RDONLY);
    if (!file)
        return 0;
    auto info = file->status();
    char field[8] = {};
    if (!info || !S_ISREG(info->st_mode) || info->st_size < 8 || !file->readAt(field, 8, 0))
        return 0;
    const quint64 length = qFromLittleEndian<quint64>(field);
    return length <= static_cast<quint64>(info->st_size) - 8 && length <= kMaxHeaderLength ? static_cast<size_t>(length)
                                                                                           : 0;
}

// Runs on the core the parse leaves idle: warms the heap for the tree, reads the header's text a second time and
// builds the tree's nodes from a quick scan of its names. Any failure only loses the head start.
TensorTree::Draft draftTree(const QString& path, size_t headerLength)
{
    try {
        prewarmHeap(headerLength / 2 * 3);
        auto file = PosixFile::open(path, O_RDONLY);
        if (!file)
            return {};
        std::shared_ptr<char[]> text(new char[headerLength]);
        if (!file->readAt(text.get(), headerLength, 8))
            return {};
        auto names = scanTensorNames(std::string_view(text.get(), headerLength));
        if (!names)
            return {};
        return TensorTree::draft(std::move(*names), std::move(text));
    } catch (const std::exception&) {
        return {}; // out of memory here must not fail an open that the parse itself may manage
    }
}

} // namespace

ModelLoader::ModelLoader(QObject* parent) : QObject(parent) {}

// Running opens are not waited for: they own their data, and their watchers die with this object.
ModelLoader::~ModelLoader() = default;

void ModelLoader::load(const QString& path)
{
    const quint64 generation = ++m_generation;
    ++m_pending;
    auto* watcher = new QFutureWatcher<Outcome>(this);
    connect(watcher, &QFutureWatcher<Outcome>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        --m_pending;
        if (generation != m_generation)
            return; // a newer request superseded this one
        const Outcome outcome = watcher->result();
        if (outcome.error)
            emit failed(*outcome.error);
        else
            emit loaded(outcome.loaded);
    });
    watcher->setFuture(QtConcurrent::run(&ModelLoader::run, path));
}

ModelLoader::Outcome ModelLoader::run(const QString& path)
{
    try {
        std::future<TensorTree::Draft> draft;
        if (const size_t headerLength = headerLengthOf(path); headerLength > 0) {
            try {
                draft = std::async(std::launch::async, draftTree, path, headerLength);
            } catch (const std::system_error&) {
                // No thread to spare: the tree is built after the parse, as without the head start.
            }
        }
        Result<std::shared_ptr<const Model>> opened = Model::open(path, OpenMode::Lenient);
        TensorTree::Draft drafted = draft.valid() ? draft.get() : TensorTree::Draft();
        if (!opened)
            return {nullptr, opened.error()};
        auto result = std::make_shared<LoadedModel>();
        result->model = opened.value();
        result->tree = TensorTree::build(result->model, std::move(drafted));
        result->summary = ModelSummary::compute(*result->tree);
        releaseFreedMemory();
        return {std::move(result), std::nullopt};
    } catch (const std::exception& exception) {
        // Out of memory on a gigantic header must not take the whole window down.
        return {nullptr,
                makeError(ErrorKind::IoError,
                          QStringLiteral("Opening failed: %1").arg(QString::fromUtf8(exception.what())), path)};
    }
}

} // namespace safescope
