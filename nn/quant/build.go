package quant

import "inceptionweb/nn/graph"

// build compiles one op into a step.
func (c *compiler) build(op Op) (step, error) {
	switch op.Op {
	case graph.Conv2D:
		return c.buildConv(op, false)
	case graph.FullyConnected:
		if len(op.Outputs) == 1 && op.Outputs[0] >= 0 && c.g.Tensors[op.Outputs[0]].Type == Float32 {
			return c.buildFloatFC(op)
		}
		return c.buildConv(op, true)
	case graph.DepthwiseConv2D:
		return c.buildDepthwise(op)
	case graph.Add:
		return c.buildAdd(op)
	case graph.AveragePool2D:
		return c.buildAvgPool(op)
	case graph.MaxPool2D:
		return c.buildMaxPool(op)
	case graph.Concatenation:
		return c.buildConcat(op)
	case graph.LRN:
		return c.buildLRN(op)
	case graph.Mean:
		return c.buildMean(op)
	case graph.Reshape:
		return c.buildReshape(op)
	case graph.Softmax:
		return c.buildSoftmax(op)
	case graph.Quantize:
		return c.buildQuantize(op)
	}
	return nil, errorf("unsupported operator")
}
