//go:build js && wasm

package main

// ResultCard shows one Result.
type ResultCard struct {
	Result *Result
}
