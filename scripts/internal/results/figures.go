package results

import "slices"

// Figures returns the figures the lessons quote, by the key of their
// <!-- num:COLUMN:STEP --> marker (see package docnums): size, compressed,
// binary and layers of every step, and times, how many times smaller than
// the baseline it is. Each is formatted exactly as the results tables print
// it.
func (r *Results) Figures() map[string]string {
	f := map[string]string{}
	base := r.BaselineSize()
	for _, s := range r.Steps {
		f["size:"+s.Name] = Bytes(s.SizeBytes)
		f["compressed:"+s.Name] = Bytes(s.CompressedBytes)
		f["binary:"+s.Name] = Bytes(s.BinaryBytes)
		f["times:"+s.Name] = Times(base, s.SizeBytes)
	}
	return f
}

// LookAlikes reports whether any base image is an offline look-alike.
func (r *Results) LookAlikes() bool {
	return slices.ContainsFunc(r.Bases, func(b Base) bool { return b.LookAlike })
}

// BaselineSize is the size of the baseline step.
func (r *Results) BaselineSize() int64 {
	if s := r.Step(r.Baseline); s != nil {
		return s.SizeBytes
	}
	return 0
}

// Step returns the step called name, or nil.
func (r *Results) Step(name string) *Step {
	for i := range r.Steps {
		if r.Steps[i].Name == name {
			return &r.Steps[i]
		}
	}
	return nil
}

// Starts is how many times each image was started for the runtime figures.
func (r *Results) Starts() int {
	for _, s := range r.Steps {
		if s.Runtime != nil {
			return s.Runtime.Starts
		}
	}
	return 0
}

// HardenedFlags are the flags of the hardened run, nil when none ran.
func (r *Results) HardenedFlags() []string {
	for _, s := range r.Steps {
		if s.Hardened != nil {
			return s.Hardened.Flags
		}
	}
	return nil
}

// CheckNames lists the checks of the hardened runs, in order of first
// appearance.
func (r *Results) CheckNames() []string {
	var names []string
	for _, s := range r.Steps {
		if s.Hardened == nil {
			continue
		}
		for _, c := range s.Hardened.Checks {
			if !slices.Contains(names, c.Name) {
				names = append(names, c.Name)
			}
		}
	}
	return names
}

// LoadMethod is a load run whose settings (rounds, connections) describe
// them all, nil when no step had one.
func (r *Results) LoadMethod() *Load {
	for _, s := range r.Steps {
		if s.Load != nil {
			return s.Load
		}
	}
	return nil
}

// Check returns the check called name, or nil.
func (h *Hardened) Check(name string) *CheckOutcome {
	for i := range h.Checks {
		if h.Checks[i].Name == name {
			return &h.Checks[i]
		}
	}
	return nil
}
