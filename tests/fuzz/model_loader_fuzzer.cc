// libFuzzer target: arbitrary bytes as a .qfb. Loading must either fail with a message or give a
// model that runs; nothing may crash, leak or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "qrun/qrun.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  qrun_interpreter* interpreter = qrun_interpreter_create();
  if (qrun_interpreter_load_buffer(interpreter, data, size) == QRUN_OK) {
    qrun_tensor_info info;
    for (int i = 0; i < qrun_interpreter_input_count(interpreter); ++i) {
      if (qrun_interpreter_input_info(interpreter, i, &info) != QRUN_OK) continue;
      int stored = 0;
      qrun_image_preprocessing preprocessing;
      if (qrun_interpreter_input_preprocessing(interpreter, i, &stored, &preprocessing) !=
          QRUN_OK) {
        __builtin_trap();  // a loaded model describes each of its inputs
      }
      // Keep each run small: a hostile file may describe a huge but valid model.
      if (info.byte_size > (1u << 20)) break;
      std::vector<uint8_t> input(info.byte_size, 0x5a);
      qrun_interpreter_set_input(interpreter, i, input.data(), input.size());
    }
    qrun_memory_info memory;
    if (qrun_interpreter_memory_info(interpreter, &memory) == QRUN_OK &&
        memory.arena_bytes < (1u << 22)) {
      qrun_interpreter_run(interpreter);
    }
  } else if (qrun_interpreter_last_error(interpreter)[0] == '\0') {
    __builtin_trap();  // a refusal must say why
  }
  qrun_interpreter_destroy(interpreter);
  return 0;
}
