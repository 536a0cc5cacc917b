"use client";

import * as React from "react";
import type { UseMutationResult } from "@tanstack/react-query";
import { Loader2Icon } from "lucide-react";
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { FormError } from "@/components/ui/form-field";
import { errorMessage } from "@/lib/client/api";

/**
 * Asks before a destructive action and runs it. The dialog stays open while the request runs and
 * shows the server's refusal in place; it closes only when the action succeeded.
 */
export function ConfirmDialog<TData>({
  trigger,
  open: controlledOpen,
  onOpenChange,
  title,
  description,
  confirmLabel,
  mutation,
}: {
  title: string;
  description: React.ReactNode;
  confirmLabel: string;
  mutation: UseMutationResult<TData, Error, void>;
} & (
  | { trigger: React.ReactNode; open?: undefined; onOpenChange?: undefined }
  /** Opened by its owner (from a menu item, say) rather than by a trigger of its own. */
  | { trigger?: undefined; open: boolean; onOpenChange: (open: boolean) => void }
)) {
  const [uncontrolledOpen, setUncontrolledOpen] = React.useState(false);
  const open = controlledOpen ?? uncontrolledOpen;
  const setOpen = onOpenChange ?? setUncontrolledOpen;
  return (
    <AlertDialog
      open={open}
      onOpenChange={(next) => {
        if (mutation.isPending) return;
        if (!next) mutation.reset();
        setOpen(next);
      }}
    >
      {trigger && <AlertDialogTrigger asChild>{trigger}</AlertDialogTrigger>}
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>{title}</AlertDialogTitle>
          <AlertDialogDescription>{description}</AlertDialogDescription>
        </AlertDialogHeader>
        <FormError message={mutation.error ? errorMessage(mutation.error) : null} />
        <AlertDialogFooter>
          <AlertDialogCancel disabled={mutation.isPending}>Cancel</AlertDialogCancel>
          <Button
            variant="destructive"
            disabled={mutation.isPending}
            onClick={() => mutation.mutate(undefined, { onSuccess: () => setOpen(false) })}
          >
            {mutation.isPending && <Loader2Icon className="animate-spin" aria-hidden />}
            {confirmLabel}
          </Button>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
