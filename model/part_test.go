package model

// exchange runs every step of the parts, each given its pixels already, swapping their results as the
// workers do, and returns the bytes sent per image.
func exchange(parts []*Part) int {
	sent := 0
	for i := 0; i < parts[0].Steps(); i++ {
		bufs := make([][]byte, len(parts))
		for k, p := range parts {
			p.Step(i)
			bufs[k] = make([]byte, p.ShareSize(i, k))
			p.Share(i, bufs[k])
			sent += len(bufs[k])
		}
		for k, p := range parts {
			for from := range parts {
				if from != k {
					p.Receive(i, from, bufs[from])
				}
			}
		}
	}
	return sent
}
