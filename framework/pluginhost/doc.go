// Package pluginhost runs third-party neurons that live in plugin binaries.
// It finds the binaries on the plugin path and starts each as a child
// process over hashicorp/go-plugin. It registers the neurons each declares
// under their own names, as framework.Neuron values that forward whole
// [T, N] calls to the plugin.
//
// Control messages travel over gRPC (package wire). Tensors travel through
// a shared-memory file that both processes map, because gRPC moves bulk
// bytes at about 0.3 GB/s against about 4 GB/s for shared memory (measured
// with go-plugin v1.8.0 on a 2-core x86-64 machine).
//
// A plugin that misbehaves makes the call return an error naming the
// binary: when it fails the handshake, speaks another protocol version,
// returns tensors of the wrong size or non-finite values, exceeds the call
// timeout or exits. A plugin that broke the protocol or stopped responding
// is killed at once, and Manager.Close stops every plugin process of a run.
//
// Writing a plugin is the job of package neuronplugin, and this package is
// the host side only. It does not write checkpoints: callers record
// Plugin.Provenance in their own run records.
package pluginhost
