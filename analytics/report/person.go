package report

// Person is one responder as the person page shows them: who, in which zone, and their
// load over the period (zero when they were not interrupted in it).
type Person struct {
	Source      string        `json:"source"`
	ResponderID string        `json:"responder_id"`
	Responder   string        `json:"responder"`
	Load        ResponderLoad `json:"load"`
}
