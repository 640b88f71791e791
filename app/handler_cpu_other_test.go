//go:build !unix

package app

// processCPU is unknown here (-1).
func processCPU() int64 { return -1 }
