package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/org"
)

// binarySchema documents a body of raw bytes (a bank file).
var binarySchema = &huma.Schema{Type: "string", Format: "binary"}

// RailPath names a file rail in a path.
type RailPath struct {
	Rail string `path:"rail" enum:"nacha,sepa"`
}

type fileRef struct {
	ID string `path:"id" maxLength:"64"`
}

func (s *Server) routeRails() {
	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "export-rail-file", Method: http.MethodPost, Path: "/api/rails/{rail}/files", Tags: []string{"Rails"},
		Summary:       "Export a bank file",
		Description:   "Writes the pending payouts of the rail (live mode; up to 200,000, the rest go in the next file) into one NACHA or SEPA pain.001 file and moves them to processing. Download the file and hand it to the bank. The export records one rail_file.exported event; each payout's payment.processing event follows it moments later, in its place in the order (see docs/EVENTS.md). 409 nothing_to_export when no payout waits.",
		DefaultStatus: http.StatusCreated, Errors: []int{409, 422},
	}, access{scope: org.ScopePayouts}), func(ctx context.Context, in *struct {
		RailPath
		Body *struct {
			ExecutionDate string `json:"execution_date,omitempty" format:"date" doc:"When the bank should pay (YYYY-MM-DD); today when left out."`
		} `required:"false"`
	}) (*struct{ Body app.RailFileView }, error) {
		var date time.Time
		if in.Body != nil && in.Body.ExecutionDate != "" {
			d, err := time.Parse(time.DateOnly, in.Body.ExecutionDate)
			if err != nil {
				return nil, s.fail(ctx, &app.Error{Kind: app.Invalid, Field: "execution_date", Code: "validation_failed", Message: "execution_date must be a date such as 2026-11-23"})
			}
			date = d
		}
		v, err := s.app.ExportRailFile(ctx, scopeFrom(ctx), in.Rail, date)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body app.RailFileView }{v}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "list-rail-files", Method: http.MethodGet, Path: "/api/rails/files", Tags: []string{"Rails"},
		Summary: "List exported bank files", Description: "Newest first.",
	}, access{scope: org.ScopePayouts}), func(ctx context.Context, in *struct {
		Limit int `query:"limit" minimum:"1" maximum:"100" default:"20"`
	}) (*struct{ Body []app.RailFileView }, error) {
		v, err := s.app.ListRailFiles(ctx, scopeFrom(ctx), in.Limit)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body []app.RailFileView }{v}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "download-rail-file", Method: http.MethodGet, Path: "/api/rails/files/{id}/content", Tags: []string{"Rails"},
		Summary: "Download a bank file", Description: "The file exactly as exported (NACHA text or pain.001 XML).",
		Errors: []int{404},
		Responses: map[string]*huma.Response{"200": {Description: "The file.", Content: map[string]*huma.MediaType{
			"text/plain":      {Schema: binarySchema},
			"application/xml": {Schema: binarySchema},
		}}},
	}, access{scope: org.ScopePayouts}), func(ctx context.Context, in *fileRef) (*struct {
		ContentType        string `header:"Content-Type"`
		ContentDisposition string `header:"Content-Disposition"`
		Body               []byte
	}, error) {
		v, content, err := s.app.RailFile(ctx, scopeFrom(ctx), in.ID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		ct := "text/plain; charset=us-ascii"
		if v.Rail == "sepa" {
			ct = "application/xml"
		}
		return &struct {
			ContentType        string `header:"Content-Type"`
			ContentDisposition string `header:"Content-Disposition"`
			Body               []byte
		}{ct, `attachment; filename="` + v.Filename + `"`, content}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "confirm-rail-file", Method: http.MethodPost, Path: "/api/rails/files/{id}/confirm", Tags: []string{"Rails"},
		Summary: "Confirm a bank file was paid", Description: "Settles every payout of the file still processing (those returned or rejected stay failed). Files also settle by themselves after the settlement period without a return.",
		Errors: []int{404},
	}, access{scope: org.ScopePayouts}), func(ctx context.Context, in *fileRef) (*struct{ Body app.RailFileView }, error) {
		v, err := s.app.ConfirmRailFile(ctx, scopeFrom(ctx), in.ID, "confirmed by an operator")
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body app.RailFileView }{v}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "import-rail-file", Method: http.MethodPost, Path: "/api/rails/{rail}/imports", Tags: []string{"Rails"},
		Summary:     "Import the bank's answer",
		Description: "Send the bank's NACHA return file (rail nacha) or pain.002 status report (rail sepa) as the raw request body (Content-Type application/octet-stream). Returned or rejected payouts fail with the bank's reason and their money goes back; notifications of change are kept on the payout method. Importing the same file again changes nothing.",
		Errors:      []int{422},
		RequestBody: &huma.RequestBody{Required: true, Description: "The bank's file, as received.",
			Content: map[string]*huma.MediaType{"application/octet-stream": {Schema: binarySchema}}},
	}, access{scope: org.ScopePayouts}), func(ctx context.Context, in *struct {
		RailPath
		RawBody []byte `contentType:"application/octet-stream"`
	}) (*struct{ Body app.ImportResult }, error) {
		if len(in.RawBody) == 0 {
			return nil, s.fail(ctx, &app.Error{Kind: app.Invalid, Field: "file", Code: "validation_failed", Message: "send the bank file as the request body"})
		}
		v, err := s.app.ImportRailFile(ctx, scopeFrom(ctx), in.Rail, in.RawBody)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body app.ImportResult }{v}, nil
	})
}
