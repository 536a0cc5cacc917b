"use client";

// The two bodies every "create something" dialog is made of: a form (title, form-level error,
// fields, Cancel / Submit with a pending state) and, for things that are shown once (API-key
// secrets, invite links), a read-only value with a copy button.
import * as React from "react";
import { Loader2Icon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { FormError, FormField } from "@/components/ui/form-field";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

export function DialogForm({
  title,
  description,
  error,
  submitLabel,
  pending,
  onSubmit,
  onCancel,
  children,
}: {
  title: React.ReactNode;
  description: React.ReactNode;
  /** A form-level error (field errors are shown by each FormField). */
  error: string | null;
  submitLabel: string;
  pending: boolean;
  onSubmit: () => void;
  onCancel: () => void;
  children: React.ReactNode;
}) {
  return (
    // noValidate: the fields' own messages (FormField) instead of the browser's tooltip.
    <form
      noValidate
      className="grid gap-4"
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit();
      }}
    >
      <DialogHeader>
        <DialogTitle className="flex items-center gap-2">{title}</DialogTitle>
        <DialogDescription>{description}</DialogDescription>
      </DialogHeader>
      <FormError message={error} />
      {children}
      <DialogFooter>
        <Button type="button" variant="outline" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" disabled={pending}>
          {pending && <Loader2Icon className="animate-spin" aria-hidden />}
          {submitLabel}
        </Button>
      </DialogFooter>
    </form>
  );
}

/** A value the user must copy now because it is never shown again. */
export function ShownOnce({
  title,
  description,
  label,
  value,
  copyLabel,
  id,
  onDone,
  children,
}: {
  title: React.ReactNode;
  description: React.ReactNode;
  label: string;
  value: string;
  copyLabel: string;
  /** id of the read-only input, for its label. */
  id: string;
  onDone: () => void;
  /** Extra notes under the value. */
  children?: React.ReactNode;
}) {
  return (
    <div className="grid gap-4">
      <DialogHeader>
        <DialogTitle>{title}</DialogTitle>
        <DialogDescription>{description}</DialogDescription>
      </DialogHeader>
      <div className="grid gap-2">
        <Label htmlFor={id}>{label}</Label>
        <div className="flex flex-col gap-2 sm:flex-row">
          <Input id={id} readOnly value={value} className="font-mono text-xs md:text-xs" onFocus={(e) => e.currentTarget.select()} />
          <CopyButton value={value} label={copyLabel} className="shrink-0" />
        </div>
      </div>
      {children}
      <DialogFooter>
        <Button onClick={onDone}>Done</Button>
      </DialogFooter>
    </div>
  );
}

/** The one text field of a "name it" dialog (API key, organization): required, at most 100 characters. */
export function DialogNameField({
  label,
  error,
  value,
  onChange,
  placeholder,
  autoComplete,
}: {
  label: string;
  error?: string;
  value: string;
  onChange: (value: string) => void;
  placeholder: string;
  autoComplete: string;
}) {
  return (
    <FormField label={label} error={error}>
      {(control) => (
        <Input
          {...control}
          name="name"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          placeholder={placeholder}
          maxLength={100}
          autoComplete={autoComplete}
          required
        />
      )}
    </FormField>
  );
}
