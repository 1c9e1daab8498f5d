// The reference FullyConnected loop shared by the float and int8 definitions.
#pragma once

#include "fully_connected/fully_connected.h"

namespace qrun::kernels {

template <typename Element, typename Accumulator, typename Finish>
void fully_connected_reference_channels(const FullyConnectedGeometry& g, const Element* input,
                                        const Element* oi, const Accumulator* bias,
                                        Accumulator input_zero_point, Element* output,
                                        size_t channel_begin, size_t channel_end, Finish finish) {
  for (int n = 0; n < g.batch; ++n) {
    const Element* in = input + static_cast<size_t>(n) * g.input_channels;
    for (size_t oc = channel_begin; oc < channel_end; ++oc) {
      const Element* weights = oi + oc * g.input_channels;
      Accumulator acc = bias[oc];
      for (int ic = 0; ic < g.input_channels; ++ic) {
        acc += (static_cast<Accumulator>(in[ic]) - input_zero_point) *
               static_cast<Accumulator>(weights[ic]);
      }
      output[static_cast<size_t>(n) * g.output_channels + oc] = finish(acc, oc);
    }
  }
}

}  // namespace qrun::kernels
