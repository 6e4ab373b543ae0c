package inceptionv3

// SyntheticParams serves the deterministic parameters of SyntheticParam, with unfolded batch norm as
// torchvision has it: the weights of the parity tests and the benchmarks.
type SyntheticParams struct{}

func (SyntheticParams) Has(name string) bool { return true }

func (SyntheticParams) Float32(name string, shape []int) ([]float32, error) {
	return SyntheticParam(name, shape), nil
}
