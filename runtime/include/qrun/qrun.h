/* qrun: the public C API of the runtime. One interpreter loads one .qfb model and runs it.
 * Every call that can fail returns a qrun_status; qrun_interpreter_last_error() then says why. */
#ifndef QRUN_QRUN_H_
#define QRUN_QRUN_H_

#include <stddef.h>
#include <stdint.h>

/* Marks the functions that libqrun.so exports; everything else in it is built hidden. */
#ifndef QRUN_API
#if defined(__GNUC__) || defined(__clang__)
#define QRUN_API __attribute__((visibility("default")))
#else
#define QRUN_API
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  QRUN_OK = 0,
  QRUN_INVALID_ARGUMENT = 1,
  QRUN_INVALID_MODEL = 2,
  QRUN_IO_ERROR = 3,
  QRUN_UNSUPPORTED = 4,
  QRUN_INTERNAL = 5,
} qrun_status;

typedef enum { QRUN_FLOAT32 = 0, QRUN_INT8 = 1, QRUN_INT32 = 2 } qrun_type;

#define QRUN_MAX_RANK 8

typedef struct {
  const char* name;
  qrun_type type;
  int rank;
  int shape[QRUN_MAX_RANK];
  size_t byte_size;
  /* Per-tensor quantization of an int8 tensor (the first channel's for per-channel weights). */
  float scale;
  int32_t zero_point;
  int quantized_channels; /* 0 for float, 1 per tensor, else the number of per-channel scales */
  int is_constant;
} qrun_tensor_info;

typedef struct {
  const char* type;   /* "CONV_2D", ... */
  const char* name;   /* the source model's node name */
  const char* kernel; /* the kernel chosen for this CPU, e.g. "conv2d_qs8_reference" */
  int input_count;
  const int* inputs; /* tensor indices */
  int output_count;
  const int* outputs;
  uint64_t macs;       /* multiply-accumulates per run (convolutions, fully connected) */
  double last_run_ms;  /* time of its last run, when profiling is on */
  const char* backend; /* whose kernel runs it: "qrun" or "xnnpack" */
  /* Under the XNNPACK backend, why this op runs on qrun's kernel instead; "" otherwise. */
  const char* fallback_reason;
} qrun_operator_info;

typedef struct {
  size_t file_bytes;
  size_t weight_bytes; /* constant tensors in the file */
  size_t packed_bytes; /* weights repacked for the chosen kernels at load time */
  size_t arena_bytes;  /* all activations, planned from tensor lifetimes */
} qrun_memory_info;

typedef enum { QRUN_RGB = 0, QRUN_BGR = 1 } qrun_channel_order;
typedef enum { QRUN_NCHW = 0, QRUN_NHWC = 1 } qrun_layout;

/* How an image becomes a model input, as qconvert stored it (schema/qfb.fbs, Preprocessing, has
 * the exact arithmetic): decode to 8-bit RGB (grey for one channel), resize (bilinear) to
 * resize_height x resize_width or so that the shorter side is resize_shorter_side, center crop to
 * crop_height x crop_width, then (pixel / 255 - mean[c]) / std[c] per channel, in RGB or BGR
 * order, laid out as the source model's input (NCHW or NHWC) was. 0 means a step is not done. */
typedef struct {
  int resize_shorter_side;
  int resize_height;
  int resize_width;
  int crop_height;
  int crop_width;
  int channels; /* 1 or 3: how many of mean and std are used */
  float mean[3];
  float std[3];
  qrun_channel_order channel_order;
  qrun_layout source_layout;
} qrun_image_preprocessing;

/* Called after each operator with each tensor it wrote, and once per graph input before the first
 * operator. `data` is valid only during the call. */
typedef void (*qrun_tensor_observer)(void* user_data, int tensor_index,
                                     const qrun_tensor_info* info, const void* data);

typedef struct qrun_interpreter qrun_interpreter;

QRUN_API qrun_interpreter* qrun_interpreter_create(void);
QRUN_API void qrun_interpreter_destroy(qrun_interpreter* interpreter);

/* Threads used by operators that split their work; set before loading. 1 by default. */
QRUN_API qrun_status qrun_interpreter_set_num_threads(qrun_interpreter* interpreter,
                                                      int num_threads);

/* Limits kernels to one instruction set: "ref" (the reference kernels), "avx2", "avxvnni",
 * "avx512vnni", "neon", "neondot" or "i8mm"; NULL or "" for the best this CPU has. Without this
 * call the QRUN_ISA environment variable is used when set. Takes effect at the next load. */
QRUN_API qrun_status qrun_interpreter_set_isa(qrun_interpreter* interpreter, const char* isa);

/* Nonzero (the default): an int8 ADD right behind the CONV_2D or FULLY_CONNECTED that feeds it
 * (directly or through RESHAPEs and unit-axis TRANSPOSEs) runs inside that op's kernel where this
 * CPU has such a kernel. Outputs are the same bytes either way; fused, the op's own output (and
 * its views) is never computed, so an observer sees it only with fusion off. Takes effect at the
 * next load. */
QRUN_API qrun_status qrun_interpreter_set_fusion(qrun_interpreter* interpreter, int enabled);

/* Whose kernels run the model: "qrun" (its own, the default) or "xnnpack" (XNNPACK's operator for
 * every int8 op that XNNPACK has one for, qrun's kernels for the rest, in one plan; each operator's
 * qrun_operator_info says which and why; the output bytes are qrun's either way). NULL or "" for
 * the QRUN_BACKEND environment variable's choice, or "qrun" without it. QRUN_UNSUPPORTED for
 * "xnnpack" in a build without XNNPACK. Under XNNPACK no ADD is fused into a convolution. Takes
 * effect at the next load. */
QRUN_API qrun_status qrun_interpreter_set_backend(qrun_interpreter* interpreter,
                                                  const char* backend);
/* The backend of the loaded model: "qrun" or "xnnpack"; "" before a load. */
QRUN_API const char* qrun_interpreter_backend(const qrun_interpreter* interpreter);

/* Memory-maps the file. */
QRUN_API qrun_status qrun_interpreter_load_file(qrun_interpreter* interpreter, const char* path);
/* Copies the bytes into an aligned buffer of its own. */
QRUN_API qrun_status qrun_interpreter_load_buffer(qrun_interpreter* interpreter, const void* data,
                                                  size_t size);

QRUN_API int qrun_interpreter_input_count(const qrun_interpreter* interpreter);
QRUN_API int qrun_interpreter_output_count(const qrun_interpreter* interpreter);
QRUN_API qrun_status qrun_interpreter_input_info(qrun_interpreter* interpreter, int input,
                                                 qrun_tensor_info* info);
QRUN_API qrun_status qrun_interpreter_output_info(qrun_interpreter* interpreter, int output,
                                                  qrun_tensor_info* info);

/* `size` must equal the input's byte_size. */
QRUN_API qrun_status qrun_interpreter_set_input(qrun_interpreter* interpreter, int input,
                                                const void* data, size_t size);
QRUN_API qrun_status qrun_interpreter_run(qrun_interpreter* interpreter);
/* `size` must equal the output's byte_size. */
QRUN_API qrun_status qrun_interpreter_get_output(qrun_interpreter* interpreter, int output,
                                                 void* data, size_t size);

/* Float views of the same: an int8 input is quantized with its own scale and zero point, an int8
 * output dequantized, exactly as the QUANTIZE / DEQUANTIZE operators do. `count` is the number of
 * elements. */
QRUN_API qrun_status qrun_interpreter_set_input_float(qrun_interpreter* interpreter, int input,
                                                      const float* data, size_t count);
QRUN_API qrun_status qrun_interpreter_get_output_float(qrun_interpreter* interpreter, int output,
                                                       float* data, size_t count);

/* Any tensor by index (see qrun_interpreter_tensor_info), as float in the same way, and one
 * operator run alone: for tools that run an operator on inputs of their choosing (the accuracy
 * report). Activations share memory, so writing a tensor may change others; an operator run
 * alone reads whatever its inputs hold. Constants cannot be written. */
QRUN_API qrun_status qrun_interpreter_set_tensor_float(qrun_interpreter* interpreter, int tensor,
                                                       const float* data, size_t count);
QRUN_API qrun_status qrun_interpreter_get_tensor_float(qrun_interpreter* interpreter, int tensor,
                                                       float* data, size_t count);
QRUN_API qrun_status qrun_interpreter_run_operator(qrun_interpreter* interpreter, int op);

/* Whether input `input` takes images: *stored is 1 and *preprocessing filled when the model holds
 * image preprocessing for it, 0 when it does not. */
QRUN_API qrun_status qrun_interpreter_input_preprocessing(qrun_interpreter* interpreter, int input,
                                                          int* stored,
                                                          qrun_image_preprocessing* preprocessing);

/* Times each operator of each run; read the times with qrun_interpreter_operator_info. */
QRUN_API qrun_status qrun_interpreter_set_profiling(qrun_interpreter* interpreter, int enabled);

QRUN_API qrun_status qrun_interpreter_set_observer(qrun_interpreter* interpreter,
                                                   qrun_tensor_observer observer, void* user_data);

/* Introspection, for tools such as `qrun --info`. */
QRUN_API int qrun_interpreter_tensor_count(const qrun_interpreter* interpreter);
QRUN_API qrun_status qrun_interpreter_tensor_info(qrun_interpreter* interpreter, int tensor,
                                                  qrun_tensor_info* info);
QRUN_API int qrun_interpreter_operator_count(const qrun_interpreter* interpreter);
QRUN_API qrun_status qrun_interpreter_operator_info(qrun_interpreter* interpreter, int op,
                                                    qrun_operator_info* info);
QRUN_API qrun_status qrun_interpreter_memory_info(qrun_interpreter* interpreter,
                                                  qrun_memory_info* info);

/* The peak int8 multiply-accumulate rate of one core (GMAC/s) for the instruction sets the loaded
 * model's kernels may use, measured by a register-only loop of that instruction (tens of ms);
 * `instruction` names it. 0 where no such loop exists. */
QRUN_API qrun_status qrun_interpreter_measure_peak(qrun_interpreter* interpreter, double* gmacs,
                                                   const char** instruction);

/* How long the last load took, in milliseconds: mapping the file (or copying the buffer), checking
 * it (the FlatBuffers verifier, then every shape, index and buffer) and preparing it (kernels
 * chosen, weights packed, the activation arena planned). A mapped file's pages are read as they
 * are first touched, mostly while packing. */
typedef struct {
  double map_ms;
  double verify_ms;
  double prepare_ms;
} qrun_load_times;

QRUN_API qrun_status qrun_interpreter_load_times(qrun_interpreter* interpreter,
                                                 qrun_load_times* times);

/* The instruction-set family the loaded model's kernels were chosen from (the CPU's widest, or the
 * one set with qrun_interpreter_set_isa): "avx512vnni", "avxvnni", "avx512", "avx2", "i8mm",
 * "neondot", "neon", "armv7neon" or "ref"; "" before a load. */
QRUN_API const char* qrun_interpreter_isa(const qrun_interpreter* interpreter);

/* The logical CPUs of this machine and how they differ, for choosing where to run (a big or a
 * little core): from Linux's /sys/devices/system/cpu and /proc/cpuinfo, and from cpuinfo where
 * qrun is built with it. What the system does not expose is "" or 0 (containers, emulators). */
typedef struct {
  int id;                     /* Linux's cpuN: what sched_setaffinity and taskset take */
  int cluster;                /* CPUs alike in the three fields below share one, from 0 */
  const char* uarch;          /* the microarchitecture, e.g. "Cortex-A76", "Zen 3"; "" if unknown */
  uint64_t max_frequency_khz; /* 0 where unreadable */
  int capacity;               /* Linux's cpu_capacity (1024 for the biggest); 0 where unreadable */
} qrun_cpu_info;

/* The processor or SoC, e.g. "AMD EPYC", "Qualcomm Technologies, Inc SM8350"; "" if unknown. */
QRUN_API const char* qrun_cpu_name(void);
QRUN_API int qrun_cpu_count(void);
/* `index` counts from 0 to qrun_cpu_count() - 1, in the order of the CPUs' ids. */
QRUN_API qrun_status qrun_cpu_describe(int index, qrun_cpu_info* info);

/* The message of the last failed call on this interpreter, or "" if none failed. */
QRUN_API const char* qrun_interpreter_last_error(const qrun_interpreter* interpreter);

#ifdef __cplusplus
}
#endif

#endif /* QRUN_QRUN_H_ */
