// Package loihi2 is snnlab's Intel Loihi 2 target. It turns the spiking
// path of a trained network into what Intel's tool chain and the wider
// neuromorphic ecosystem load, and estimates, without hardware, the accuracy,
// cores and energy to expect. Importing the package registers the target
// "loihi2" with the framework.
//
// The steps, each usable on its own:
//
//   - Prepare converts a framework.Network into a FloatNet: batch-norm is
//     folded into the preceding conv or linear layer, average and sum
//     pooling into the following layer, and anything the CUBA neuron
//     cannot run exactly (soft reset, a reset potential other than 0,
//     ALIF, the continuous path, current decay, residual connections,
//     unknown layers) is rejected with the layer's name and the reason.
//   - Quantize picks one scale per layer (even 8-bit weights in
//     [−256, 254], 13-bit biases, 17-bit thresholds, 12-bit decays) and
//     reports the error per layer.
//   - WriteNetx and ReadNetx store the integer network in lava-dl's netx
//     HDF5 format; ExportNIR and ImportNIR convert the float network to
//     and from a NIR graph (forward Euler, dt = 1e-4 by default).
//   - Emulator runs the integer network with Loihi's fixed-point CUBA
//     arithmetic bit for bit as lava's bit-accurate models do (decays
//     rounded toward zero, the single 24-bit wrap of the current,
//     saturation of the voltage, netx's dense weight exponent, the 24-bit
//     wrap of conv sums), in lava timing (one step of delay per weight
//     layer) or aligned timing, and counts wraps, saturations, threshold
//     ties, synaptic operations and spikes per layer.
//   - EstimateResources and EstimateEnergy turn the network and the
//     emulator's counters into cores, chips and joules with configurable
//     constants whose sources every report prints.
//   - Compile and Model.Run bundle these for accuracy studies, and
//     Target.Evaluate compares the float and the emulated model on a data
//     set.
//
// HDF5 is written and read by a small pure-Go package of this tree
// (targets/internal/hdf5) instead of a cgo binding to libhdf5. The two
// formats need only groups and plain datasets, reading also needs deflate
// and variable-length strings, and a cgo binding would tie every snnlab
// binary to a C library at build and run time. Tests check the output with
// libhdf5's h5dump when it is installed.
//
// The package does not map residual networks to netx (netx cannot load
// them) and does not run them in the emulator; it does not model graded
// output spikes, refractory delays or axonal delays.
package loihi2
