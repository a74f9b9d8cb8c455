// Package hdf5 reads and writes the small subset of HDF5 that neuromorphic
// network files use: nested groups of datasets holding integers, floats,
// strings and booleans. The lava-dl netx format (*.net) and NIR graphs
// (*.nir) need nothing more, and both are read whole into memory.
//
// The package is pure Go on purpose. A cgo binding to libhdf5 would make
// every snnlab binary depend on a C library at build and run time, break
// cross-compilation and static builds, and pull a large, stateful C API into
// a tool that only touches files of a few tens of kilobytes. The subset here
// is small and fully specified by the HDF5 file format specification
// (version 3.0), and its output is checked in the tests against files
// written by h5py and, when the h5dump program is installed, by libhdf5
// itself.
//
// Reading supports the "classic" layout that libhdf5 writes by default and
// h5py uses: superblock version 0 or 1, version 1 object headers with
// continuation blocks, symbol-table groups (version 1 B-trees, local heaps),
// compact, contiguous and chunked datasets (version 1 or 2 layout and
// version 3 layout messages), the deflate, shuffle and Fletcher-32 filters,
// fixed-point, floating-point, fixed-length string, variable-length string
// (global heap) and enumeration (h5py booleans) datatypes. It does not read
// attributes (it skips them), compound or reference types, new-style groups
// (link messages, superblock version 2 or 3), or version 4 layouts; such a
// file is rejected with an error that names the object and the feature.
//
// Writing produces superblock version 0, version 1 object headers,
// symbol-table groups and contiguous, uncompressed datasets of int32, int64,
// float32, float64, fixed-length ASCII strings and h5py-style booleans. It
// writes no attributes.
package hdf5
