package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/payport/payport/internal/member"
)

// UserCreateCmd makes a dashboard member: how the first operator (internal-admin) gets in.
type UserCreateCmd struct {
	Email     string `required:"" help:"The member's email address (the sign-in name; codes are sent there)."`
	Role      string `default:"internal-admin" enum:"internal-admin,org-admin,viewer" help:"internal-admin (the operator: every org), org-admin or viewer (read-only)."`
	Org       string `help:"The member's org id (required for org-admin and viewer)."`
	PublicURL string `name:"public-url" env:"PAYPORT_PUBLIC_URL" default:"http://127.0.0.1:8080" help:"Base URL of the server, for the set-password link."`
	JSON      bool   `name:"json" help:"Print the result as JSON."`
}

// Run implements the command. The member has no password yet: the printed link (single-use,
// valid 24 hours) sets one, so no password ever passes through a terminal or a shell history.
func (c *UserCreateCmd) Run(ctx context.Context, g *Globals) error {
	a, closeFn, err := g.openApp(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	a.PublicURL = strings.TrimRight(c.PublicURL, "/")
	m, link, err := a.CreateMember(ctx, c.Email, member.Role(c.Role), c.Org)
	if err != nil {
		return err
	}
	if c.JSON {
		return printJSON(map[string]any{"id": m.ID, "email": m.Email, "role": m.Role, "org_id": m.OrgID, "set_password_url": link})
	}
	fmt.Printf("member %s (%s, %s) created\nSet the password (link works once, for 24 hours; shown only now):\n  %s\n"+
		"Then sign in at %s/dashboard/ with the email, the password and a code sent to the email.\n", m.Email, m.ID, m.Role, link, a.PublicURL)
	return nil
}

// UserResetTOTPCmd turns off a member's authenticator app: the way back in for a member who
// lost it (sign-in codes come by email again).
type UserResetTOTPCmd struct {
	Email string `required:"" help:"The member's email address."`
}

// Run implements the command.
func (c *UserResetTOTPCmd) Run(ctx context.Context, g *Globals) error {
	a, closeFn, err := g.openApp(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	m, err := a.ResetMemberTOTP(ctx, c.Email)
	if err != nil {
		return err
	}
	fmt.Printf("member %s (%s): authenticator app turned off; sign-in codes go to the email again\n", m.Email, m.ID)
	return nil
}
