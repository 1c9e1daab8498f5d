#include "jpeg_huffman_check.h"

namespace qrun::tools {
namespace {

constexpr int kMaxHuffmanCodes = 256;
constexpr int kTableSlots = 4;

enum Marker : int {
  kBaselineFrame = 0xC0,
  kExtendedFrame = 0xC1,
  kProgressiveFrame = 0xC2,
  kDefineHuffmanTables = 0xC4,
  kStartOfImage = 0xD8,
  kEndOfImage = 0xD9,
  kStartOfScan = 0xDA,
};

// Reads as stb_image does: past the end, every byte is 0.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  int byte() { return position_ < size_ ? data_[position_++] : 0; }
  int word() {
    const int high = byte();
    return high << 8 | byte();
  }
  bool at_end() const { return position_ >= size_; }
  size_t position() const { return position_; }
  void move_to(size_t position) { position_ = position < size_ ? position : size_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t position_ = 0;
};

// The byte after 0xFF and any 0xFF fill bytes, as stb_image reads a marker.
int marker_after_ff(ByteReader& reader) {
  int marker = reader.byte();
  while (marker == 0xFF && !reader.at_end()) marker = reader.byte();
  return marker;
}

// A marker with no length after it: a stuffed 0 in entropy-coded data, TEM, a restart, or SOI.
bool stands_alone(int marker) {
  return marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= kStartOfImage);
}

class HuffmanTableCheck {
 public:
  HuffmanTableCheck(const std::string& name, ByteReader& reader) : name_(name), reader_(reader) {}

  // One segment, its marker and length read; the reader ends after what stb_image reads of it.
  Status segment(int marker, size_t start, int length) {
    if (marker == kDefineHuffmanTables) return tables(length);
    if (marker == kBaselineFrame || marker == kExtendedFrame || marker == kProgressiveFrame) {
      progressive_ = marker == kProgressiveFrame;
    } else if (marker == kStartOfScan) {
      QRUN_RETURN_IF_ERROR(scan());
    }
    reader_.move_to(start + static_cast<size_t>(length < 2 ? 2 : length));
    return Status::Ok();
  }

 private:
  // As many tables as stb_image reads: while the segment's length is not used up.
  Status tables(int length) {
    for (int left = length - 2; left > 0;) {
      const int kind = reader_.byte();  // class (0 DC, 1 AC) and slot
      int codes = 0;
      for (int bits = 0; bits < 16; ++bits) codes += reader_.byte();
      if (codes > kMaxHuffmanCodes) {
        return corrupt("a Huffman table of " + std::to_string(codes) + " codes; at most 256");
      }
      if ((kind >> 4) <= 1 && (kind & 15) < kTableSlots) defined_[kind >> 4][kind & 15] = true;
      reader_.move_to(reader_.position() + static_cast<size_t>(codes));
      left -= 17 + codes;
    }
    return Status::Ok();
  }

  // The tables the scan decodes with, as stb_image picks them: DC and AC in a baseline frame; in a
  // progressive one, DC for a first DC scan and AC for any AC scan.
  Status scan() {
    const int components = reader_.byte();
    int slots[4][2] = {};
    for (int i = 0; i < components && i < 4; ++i) {
      reader_.byte();  // component id
      const int tables = reader_.byte();
      slots[i][0] = tables >> 4;
      slots[i][1] = tables & 15;
    }
    const int spectral_start = reader_.byte();
    reader_.byte();  // spectral end
    const int approximation_high = reader_.byte() >> 4;
    const bool uses_dc = !progressive_ || (spectral_start == 0 && approximation_high == 0);
    const bool uses_ac = !progressive_ || spectral_start != 0;
    for (int i = 0; i < components && i < 4; ++i) {
      for (int kind = 0; kind < 2; ++kind) {
        const int slot = slots[i][kind];
        if (!(kind == 0 ? uses_dc : uses_ac) || slot >= kTableSlots) continue;
        if (!defined_[kind][slot]) {
          return corrupt(std::string("a scan decodes with ") + (kind == 0 ? "DC" : "AC") +
                         " Huffman table " + std::to_string(slot) + ", which is not defined");
        }
      }
    }
    return Status::Ok();
  }

  Status corrupt(const std::string& what) const {
    return InvalidArgument(name_ + ": a corrupt JPEG (" + what + ")");
  }

  const std::string& name_;
  ByteReader& reader_;
  bool progressive_ = false;
  bool defined_[2][kTableSlots] = {};
};

}  // namespace

Status check_jpeg_huffman_tables(const std::string& name, const uint8_t* data, size_t size) {
  ByteReader reader(data, size);
  if (reader.byte() != 0xFF || marker_after_ff(reader) != kStartOfImage) return Status::Ok();
  HuffmanTableCheck check(name, reader);
  // stb_image skips anything that is not 0xFF between segments and reads entropy-coded data up to
  // the first marker, so every segment it reads starts at an 0xFF found this way.
  while (!reader.at_end()) {
    if (reader.byte() != 0xFF) continue;
    const int marker = marker_after_ff(reader);
    if (marker == kEndOfImage) return Status::Ok();
    if (stands_alone(marker)) continue;
    const size_t start = reader.position();
    QRUN_RETURN_IF_ERROR(check.segment(marker, start, reader.word()));
  }
  return Status::Ok();
}

}  // namespace qrun::tools
