#include "core/io/viewreader.h"

#include "core/format/model.h"
#include "core/io/mappedfile.h"
#include "core/platform/filemapping.h"
#include "core/platform/pageguard.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace safescope {

namespace {

// Ranges shorter than this are read in place without asking: touching their few pages costs about what the check
// and the copy would (two system calls), and diffs of many small tensors would otherwise pay both for each.
constexpr uint64_t kMinCopyBytes = uint64_t(32) << 10;

// Whether the page holding `address` is in this process's page tables (platform::pageResident). Unknown (the
// system will not say) counts as not mapped: copying from the file reads the right bytes either way, and on a
// cold mapping it is the fast way.
bool pageMapped(const unsigned char* address)
{
    return platform::pageResident(address).value_or(false);
}

// Owns every buffer it ever made: one held by work that SigbusGuard abandoned (its frame is never unwound) stays
// owned, it is only never handed out again.
struct BufferPool
{
    std::mutex mutex;
    std::vector<std::unique_ptr<unsigned char[]>> all;
    std::vector<unsigned char*> free;
};

BufferPool& bufferPool()
{
    static BufferPool* pool = new BufferPool; // never destroyed: workers may still return buffers at exit
    return *pool;
}

} // namespace

ViewReader::Buffer::Buffer()
{
    BufferPool& pool = bufferPool();
    const std::lock_guard lock(pool.mutex);
    if (pool.free.empty()) {
        pool.all.push_back(std::make_unique_for_overwrite<unsigned char[]>(kBytes));
        m_data = pool.all.back().get();
        return;
    }
    m_data = pool.free.back();
    pool.free.pop_back();
}

ViewReader::Buffer::~Buffer()
{
    BufferPool& pool = bufferPool();
    const std::lock_guard lock(pool.mutex);
    pool.free.push_back(m_data);
}

ViewReader::ViewReader(TensorView view) : m_view(std::move(view)) {}

ViewReader::ViewReader(TensorView view, const MappedFile& file, uint64_t offset)
    : m_view(std::move(view)), m_file(&file), m_offset(offset)
{}

bool ViewReader::shouldCopy(uint64_t begin, uint64_t length) const
{
    if (!m_file || length < kMinCopyBytes)
        return false;
    // One page stands for the range: a pass in place maps every page, a partial one (the table's first rows)
    // maps the start, so the end tells whether the whole range was read. A wrong guess costs time, never bytes.
    return !pageMapped(m_view.data + begin + length - 1);
}

const unsigned char* ViewReader::read(uint64_t begin, uint64_t length, unsigned char* buffer, bool copy) const
{
    if (!copy || !m_file)
        return m_view.data + begin;
    if (!m_file->readInto(m_offset + begin, length, buffer)) {
        // The bytes are gone from the file (or unreadable): exactly when the mapping would fault. Taking the same
        // road out, every caller already guarded for a truncated mapping handles this too.
        platform::abandonGuardedWork();
    }
    return buffer;
}

ViewReader readerOf(const Model& model, size_t index)
{
    const SafetensorsFile& file = *model.shardOf(index).file;
    if (!file.isMapped())
        return ViewReader(viewOf(model, index)); // a remote tensor: read through FetchedTensor, never from here
    return ViewReader(viewOf(model, index), file.mapping(), model.absoluteOffset(index));
}

ViewReader readerOf(const TensorView& view)
{
    const MappedFile* file = view.source;
    if (file == nullptr || file->data() == nullptr || view.data == nullptr)
        return ViewReader(view);
    // Addresses as integers: the view may point into another buffer altogether (a preview's gathered sample).
    const auto mapped = reinterpret_cast<std::uintptr_t>(file->data());
    const auto bytes = reinterpret_cast<std::uintptr_t>(view.data);
    if (bytes < mapped || view.byteSize > file->size() || bytes - mapped > file->size() - view.byteSize)
        return ViewReader(view);
    return ViewReader(view, *file, bytes - mapped);
}

} // namespace safescope
