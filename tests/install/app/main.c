/* A tiny app on qrun's installed C API: loads a model, runs it on one float32 input file and
 * prints the first output (dequantized) and its arg-max. Usage: qrun_app model.qfb input.bin */
#include <qrun/qrun.h>
#include <stdio.h>
#include <stdlib.h>

static int fail(qrun_interpreter* interpreter, const char* what) {
  fprintf(stderr, "qrun_app: %s: %s\n", what, qrun_interpreter_last_error(interpreter));
  qrun_interpreter_destroy(interpreter);
  return 1;
}

static size_t element_count(const qrun_tensor_info* info) {
  size_t count = 1;
  for (int i = 0; i < info->rank; ++i) count *= (size_t)info->shape[i];
  return count;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s model.qfb input.bin\n", argv[0]);
    return 2;
  }
  qrun_interpreter* interpreter = qrun_interpreter_create();
  if (interpreter == NULL) return 1;
  if (qrun_interpreter_load_file(interpreter, argv[1]) != QRUN_OK)
    return fail(interpreter, argv[1]);

  qrun_tensor_info in;
  qrun_tensor_info out;
  if (qrun_interpreter_input_info(interpreter, 0, &in) != QRUN_OK ||
      qrun_interpreter_output_info(interpreter, 0, &out) != QRUN_OK) {
    return fail(interpreter, "tensor info");
  }
  const size_t in_count = element_count(&in);
  const size_t out_count = element_count(&out);
  float* input = malloc(in_count * sizeof(float));
  float* output = malloc(out_count * sizeof(float));
  FILE* file = fopen(argv[2], "rb");
  size_t got = 0;
  if (file != NULL) {
    got = fread(input, sizeof(float), in_count, file);
    if (fgetc(file) != EOF) got = 0; /* longer than the input */
    fclose(file);
  }
  int status = 1;
  if (input == NULL || output == NULL) {
    fprintf(stderr, "qrun_app: out of memory\n");
  } else if (got != in_count) {
    fprintf(stderr, "qrun_app: %s: expected %zu float32 values\n", argv[2], in_count);
  } else if (qrun_interpreter_set_input_float(interpreter, 0, input, in_count) != QRUN_OK ||
             qrun_interpreter_run(interpreter) != QRUN_OK ||
             qrun_interpreter_get_output_float(interpreter, 0, output, out_count) != QRUN_OK) {
    fprintf(stderr, "qrun_app: %s\n", qrun_interpreter_last_error(interpreter));
  } else {
    size_t best = 0;
    printf("%s:", out.name);
    for (size_t i = 0; i < out_count; ++i) {
      printf(" %.4f", output[i]);
      if (output[i] > output[best]) best = i;
    }
    printf("\nprediction: %zu\n", best);
    status = 0;
  }
  free(input);
  free(output);
  qrun_interpreter_destroy(interpreter);
  return status;
}
