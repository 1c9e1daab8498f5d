// SHA-256 (FIPS 180-4) of a byte string, as lowercase hex: the source model's fingerprint in the
// .qfb metadata. Small enough to own rather than pull in a crypto library for one digest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace qrun::converter {

std::string Sha256Hex(const uint8_t* data, size_t size);

}  // namespace qrun::converter
