#include "npy.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace qrun::tools {
namespace {

TEST(Npy, WriteThenReadRoundTrips) {
  NpyArray array;
  array.type = NpyType::kFloat32;
  array.shape = {2, 3};
  const float values[6] = {1, 2, 3, 4.5f, -5, 6};
  array.data.resize(sizeof values);
  std::memcpy(array.data.data(), values, sizeof values);
  const std::string path = ::testing::TempDir() + "/roundtrip.npy";
  ASSERT_TRUE(write_npy(path, array).ok());
  NpyArray back;
  const Status status = read_npy(path, &back);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(back.shape, array.shape);
  EXPECT_EQ(back.to_float(), std::vector<float>(values, values + 6));
  unlink(path.c_str());
}

TEST(Npy, ReadsWhatNumPyWrites) {
  // np.save of np.array([[1, -2]], dtype=np.int8): format 1.0 with a 118-byte header.
  std::string header = "{'descr': '|i1', 'fortran_order': False, 'shape': (1, 2), }";
  header.append(118 - header.size() - 1, ' ');
  header += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size()) +
                      '\0' + header + std::string("\x01\xfe", 2);
  NpyArray array;
  ASSERT_TRUE(
      parse_npy("x.npy", reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &array)
          .ok());
  EXPECT_EQ(array.type, NpyType::kInt8);
  EXPECT_EQ(array.shape, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(array.to_int64(), (std::vector<int64_t>{1, -2}));
}

TEST(Npy, DamagedFilesAreRefusedWithTheirName) {
  NpyArray array;
  const uint8_t junk[] = {'n', 'o', 't', ' ', 'n', 'p', 'y', '!', '!', '!', '!'};
  EXPECT_EQ(parse_npy("junk.npy", junk, sizeof junk, &array).message(),
            "junk.npy: not a .npy file (no NUMPY magic)");
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }\n";
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size()) +
                      '\0' + header + std::string(8, '\0');
  EXPECT_EQ(
      parse_npy("short.npy", reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &array)
          .message(),
      "short.npy: .npy data holds 8 bytes, its header says 16");
  EXPECT_EQ(read_npy("/nonexistent.npy", &array).message(),
            "/nonexistent.npy: cannot open file (No such file or directory)");
}

}  // namespace
}  // namespace qrun::tools
