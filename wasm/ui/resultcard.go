//go:build js && wasm

package ui

// ResultCard shows one Result.
type ResultCard struct {
	Result *Result
}

// ToggleCAM shows or hides the class activation map over the crop.
func (c *ResultCard) ToggleCAM() { c.Result.ShowCAM = !c.Result.ShowCAM }

// CAMTitle says what the toggle does, or why it cannot.
func (c *ResultCard) CAMTitle() string {
	if c.Result.CAM == nil {
		return "No class activation map for this answer (the model has none, or the image was split across workers)"
	}
	return "Where the evidence for the top class lies in the crop the model saw (class activation map)"
}
