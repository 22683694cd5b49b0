package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/payport/payport/internal/app"
)

// Problem is an RFC 9457 problem document. Beyond the RFC's members it names the field at
// fault (a JSON field name such as "amount" or "metadata.orderId") and a stable code, so
// integrators can branch on it and show the message next to the right input.
type Problem struct {
	Type   string `json:"type" doc:"A URI naming the kind of problem."`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Code is stable for machines (e.g. validation_failed, insufficient_funds).
	Code string `json:"code"`
	// Field is the request field at fault, if one is.
	Field     string              `json:"field,omitempty"`
	Errors    []*huma.ErrorDetail `json:"errors,omitempty" doc:"Every problem found, each with its location (body.amount, query.limit...)."`
	RequestID string              `json:"request_id,omitempty"`
	// headers to send with the problem (Allow, Retry-After...).
	headers http.Header
}

// Error implements error.
func (p *Problem) Error() string { return p.Detail }

// GetStatus implements huma.StatusError.
func (p *Problem) GetStatus() int { return p.Status }

// ContentType implements huma.ContentTypeFilter: problems are application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" {
		return "application/problem+json"
	}
	return ct
}

// GetHeaders implements huma.HeadersError.
func (p *Problem) GetHeaders() http.Header { return p.headers }

func problemType(code string) string { return "urn:payport:problem:" + code }

// codeForStatus is the default code of a status without a more specific one.
func codeForStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusUnauthorized:
		return "unauthenticated"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusConflict:
		return "conflict"
	case http.StatusRequestEntityTooLarge:
		return "body_too_large"
	case http.StatusUnsupportedMediaType:
		return "unsupported_media_type"
	case http.StatusUnprocessableEntity:
		return "validation_failed"
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusServiceUnavailable:
		return "unavailable"
	}
	if status >= 500 {
		return "internal_error"
	}
	return "error"
}

// newProblem is installed as huma.NewError, so huma's own validation errors become Problems.
func newProblem(status int, msg string, errs ...error) huma.StatusError {
	p := &Problem{Status: status, Title: http.StatusText(status), Detail: msg, Code: codeForStatus(status)}
	for _, e := range errs {
		if e == nil {
			continue
		}
		var d *huma.ErrorDetail
		if dt, ok := e.(huma.ErrorDetailer); ok {
			d = dt.ErrorDetail()
		} else {
			d = &huma.ErrorDetail{Message: e.Error()}
		}
		p.Errors = append(p.Errors, d)
	}
	for _, d := range p.Errors {
		// Huma reports a missing member at its parent ("body"); name the member itself.
		if name, ok := strings.CutPrefix(d.Message, "expected required property "); ok {
			if name, ok = strings.CutSuffix(name, " to be present"); ok {
				d.Location += "." + name
			}
		}
	}
	if len(p.Errors) > 0 {
		first := p.Errors[0]
		p.Field = fieldOf(first.Location)
		if msg == "validation failed" || msg == "request body is malformed" || p.Detail == "" {
			// Huma's generic sentence says less than the first error itself.
			p.Detail = strings.TrimSpace(first.Message)
			if p.Field != "" {
				p.Detail = p.Field + ": " + p.Detail
			}
		}
	}
	if status == http.StatusRequestEntityTooLarge {
		p.Field = "body"
	}
	p.Type = problemType(p.Code)
	return p
}

// fieldOf turns huma's location ("body.amount", "query.limit", "path.id") into the field name.
func fieldOf(loc string) string {
	for _, prefix := range []string{"body.", "query.", "path.", "header."} {
		if strings.HasPrefix(loc, prefix) {
			return strings.TrimPrefix(loc, prefix)
		}
	}
	if loc == "body" {
		return ""
	}
	return loc
}

// fromError maps a use-case error to a problem; anything unexpected is a 500 whose detail
// says nothing of the internals (the log has them, under the request id).
func fromError(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	var se huma.StatusError
	if errors.As(err, &se) {
		if p, ok := se.(*Problem); ok {
			return p
		}
		return newProblem(se.GetStatus(), se.Error()).(*Problem)
	}
	var ae *app.Error
	if errors.As(err, &ae) {
		status := map[app.Kind]int{app.Invalid: 422, app.NotFound: 404, app.Conflict: 409, app.Forbidden: 403}[ae.Kind]
		p := &Problem{Status: status, Title: http.StatusText(status), Detail: ae.Message, Code: ae.Code, Field: ae.Field}
		if p.Code == "" {
			p.Code = codeForStatus(status)
		}
		if ae.Field != "" {
			in := ae.In
			if in == "" {
				in = "body"
			}
			p.Errors = []*huma.ErrorDetail{{Message: ae.Message, Location: in + "." + ae.Field}}
		}
		p.Type = problemType(p.Code)
		return p
	}
	return nil
}

// writeProblem writes p outside huma (router-level 404/405, auth, panics).
func writeProblem(w http.ResponseWriter, r *http.Request, p *Problem) {
	if p.Type == "" {
		p.Type = problemType(p.Code)
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	p.RequestID = requestIDFrom(r.Context())
	for k, vs := range p.headers {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
