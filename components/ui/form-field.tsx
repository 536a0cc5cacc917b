"use client";

import * as React from "react";
import { Label } from "@/components/ui/label";
import { cn } from "@/lib/client/utils";

/** Props a form control needs to be tied to its label, description and error message. */
export type FieldControlProps = {
  id: string;
  "aria-invalid": boolean | undefined;
  "aria-describedby": string | undefined;
};

/**
 * A label, one control, an optional description and the field's error message. The control is
 * rendered by `children(control)` so any input (Input, Select trigger, Switch…) gets the same
 * id / aria-invalid / aria-describedby wiring, and screen readers announce the error with the field.
 */
function FormField({
  label,
  description,
  error,
  className,
  children,
}: {
  label: React.ReactNode;
  description?: React.ReactNode;
  error?: string;
  className?: string;
  children: (control: FieldControlProps) => React.ReactNode;
}) {
  const id = React.useId();
  const descriptionId = description ? `${id}-description` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [descriptionId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    <div data-slot="form-field" data-invalid={error ? true : undefined} className={cn("grid gap-2", className)}>
      <Label htmlFor={id} className={cn(error && "text-destructive")}>
        {label}
      </Label>
      {children({ id, "aria-invalid": error ? true : undefined, "aria-describedby": describedBy })}
      {description && (
        <p id={descriptionId} className="text-muted-foreground text-xs">
          {description}
        </p>
      )}
      {error && (
        <p id={errorId} className="text-destructive text-xs font-medium">
          {error}
        </p>
      )}
    </div>
  );
}

/** A form-level error (not tied to one field), announced when it appears. */
function FormError({ message, className }: { message?: string | null; className?: string }) {
  if (!message) return null;
  return (
    <p
      role="alert"
      className={cn(
        "border-destructive/30 bg-destructive/5 text-destructive rounded-md border px-3 py-2 text-sm",
        className,
      )}
    >
      {message}
    </p>
  );
}

export { FormField, FormError };
