// What a declared flow speaks is read from the one protocol table.
export { speaksSsh, speaksTls } from '../protocol/table.ts';
