package quant

// build compiles one op into a step.
func (c *compiler) build(op Op) (step, error) {
	switch op.Op {
	case "CONV_2D":
		return c.buildConv(op, false)
	case "FULLY_CONNECTED":
		if len(op.Outputs) == 1 && op.Outputs[0] >= 0 && c.g.Tensors[op.Outputs[0]].Type == Float32 {
			return c.buildFloatFC(op)
		}
		return c.buildConv(op, true)
	case "DEPTHWISE_CONV_2D":
		return c.buildDepthwise(op)
	case "ADD":
		return c.buildAdd(op)
	case "AVERAGE_POOL_2D":
		return c.buildAvgPool(op)
	case "MAX_POOL_2D":
		return c.buildMaxPool(op)
	case "CONCATENATION":
		return c.buildConcat(op)
	case "LOCAL_RESPONSE_NORMALIZATION":
		return c.buildLRN(op)
	case "MEAN":
		return c.buildMean(op)
	case "RESHAPE":
		return c.buildReshape(op)
	case "SOFTMAX":
		return c.buildSoftmax(op)
	case "QUANTIZE":
		return c.buildQuantize(op)
	}
	return nil, errorf("unsupported operator")
}
